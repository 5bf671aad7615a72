namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Text

/// SPEC §7.7's entries of a token cache shared by many machines, without I/O: the entry's key, and
/// a token sealed with AES-256-GCM under a key derived by HKDF-SHA256 from the client secret (salt:
/// `auth_url + "\n" + client_id`). A reader of the cache server learns no token, and without the
/// secret cannot make an entry that opens. What is sealed is the disk cache's own record
/// (`TokenCache.bytes`), so a token opened here is judged as one read from disk.
[<RequireQualifiedAccess>]
module SharedToken =

    /// The format's first byte; an entry with another is not this format's, and is replaced.
    [<Literal>]
    let Version = 1uy

    [<Literal>]
    let NonceSize = 12

    [<Literal>]
    let TagSize = 16

    /// The largest entry opened: a token record is a few kilobytes.
    [<Literal>]
    let MaxEntry = 65536

    /// The entry's key: `cartocreds:token:{hash}`, §7.4's hash of the auth server and client id.
    let key (endpoint: TokenEndpoint) : string =
        "cartocreds:token:" + TokenCache.clientHash endpoint.Auth endpoint.ClientId

    /// The sealing key: HKDF-SHA256 of the client secret, salted with the auth server and client id.
    let sealingKey (endpoint: TokenEndpoint) : byte[] =
        HKDF.DeriveKey(
            HashAlgorithmName.SHA256,
            Encoding.UTF8.GetBytes(CloudText.value endpoint.Secret),
            32,
            Encoding.UTF8.GetBytes(endpoint.Auth + "\n" + CloudText.value endpoint.ClientId),
            Encoding.UTF8.GetBytes "cartocreds shared token cache v1"
        )

    /// The data bound to an entry besides its key: the version and the entry's own cache key, so
    /// that an entry moved to another key does not open.
    let private associated (endpoint: TokenEndpoint) = Encoding.UTF8.GetBytes(string Version + "\n" + key endpoint)

    /// <summary>
    /// A token sealed for the shared cache with a fresh `nonce` (12 random bytes, given by the shell)
    /// and `salt` (the disk record's): `version | nonce | tag | ciphertext`.
    /// </summary>
    let seal (endpoint: TokenEndpoint) (nonce: byte[]) (salt: string) (token: AccessToken) : byte[] =
        if nonce.Length <> NonceSize then
            invalidArg (nameof nonce) ("a nonce is " + string NonceSize + " bytes")

        let plain = TokenCache.bytes endpoint.Auth endpoint.ClientId endpoint.Secret salt token
        let entry = Array.zeroCreate<byte>(1 + NonceSize + TagSize + plain.Length)
        entry[0] <- Version
        Array.blit nonce 0 entry 1 NonceSize
        use aes = new AesGcm(sealingKey endpoint, TagSize)

        aes.Encrypt(
            ReadOnlySpan nonce,
            ReadOnlySpan plain,
            Span(entry, 1 + NonceSize + TagSize, plain.Length),
            Span(entry, 1 + NonceSize, TagSize),
            ReadOnlySpan(associated endpoint)
        )

        entry

    /// The token in an entry, when it opens under this endpoint's key and holds this client's and
    /// secret's record; anything else (another secret, tampered, another format, garbage) is `None`.
    let openEntry (endpoint: TokenEndpoint) (entry: byte[]) : AccessToken option =
        let header = 1 + NonceSize + TagSize

        if isNull entry || entry.Length <= header || entry.Length > MaxEntry || entry[0] <> Version then
            None
        else
            let plain = Array.zeroCreate<byte>(entry.Length - header)
            use aes = new AesGcm(sealingKey endpoint, TagSize)

            try
                aes.Decrypt(
                    ReadOnlySpan(entry, 1, NonceSize),
                    ReadOnlySpan(entry, header, plain.Length),
                    ReadOnlySpan(entry, 1 + NonceSize, TagSize),
                    Span plain,
                    ReadOnlySpan(associated endpoint)
                )

                TokenCache.read endpoint.Auth endpoint.ClientId endpoint.Secret (ReadOnlyMemory plain)
            with :? AuthenticationTagMismatchException ->
                None
