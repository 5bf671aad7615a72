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

    /// A sealing key for one kind of entry (`info`): HKDF-SHA256 of the client secret, salted with
    /// the auth server and client id. Each kind has its own, so no entry opens as another kind.
    let derivedKey (info: string) (endpoint: TokenEndpoint) : byte[] =
        HKDF.DeriveKey(
            HashAlgorithmName.SHA256,
            Encoding.UTF8.GetBytes(CloudText.value endpoint.Secret),
            32,
            Encoding.UTF8.GetBytes(endpoint.Auth + "\n" + CloudText.value endpoint.ClientId),
            Encoding.UTF8.GetBytes info
        )

    /// The sealing key of the access tokens' entries.
    let sealingKey (endpoint: TokenEndpoint) : byte[] = derivedKey "cartocreds shared token cache v1" endpoint

    /// The data bound to an entry besides its key: the version and the entry's own cache key, so
    /// that an entry moved to another key does not open.
    let private associated (endpoint: TokenEndpoint) = Encoding.UTF8.GetBytes(string Version + "\n" + key endpoint)

    /// <summary>
    /// `plain` sealed with AES-256-GCM under `key`, bound to `associated`, with a fresh `nonce` (12
    /// random bytes, given by the shell): `version | nonce | tag | ciphertext`. Every sealed entry
    /// of the shared cache has this form.
    /// </summary>
    let sealBytes (key: byte[]) (associated: byte[]) (nonce: byte[]) (plain: byte[]) : byte[] =
        if nonce.Length <> NonceSize then
            invalidArg (nameof nonce) ("a nonce is " + string NonceSize + " bytes")

        let entry = Array.zeroCreate<byte>(1 + NonceSize + TagSize + plain.Length)
        entry[0] <- Version
        Array.blit nonce 0 entry 1 NonceSize
        use aes = new AesGcm(key, TagSize)

        aes.Encrypt(
            ReadOnlySpan nonce,
            ReadOnlySpan plain,
            Span(entry, 1 + NonceSize + TagSize, plain.Length),
            Span(entry, 1 + NonceSize, TagSize),
            ReadOnlySpan associated
        )

        entry

    /// What a sealed entry holds, when it opens under `key` and `associated`; `None` for anything
    /// else (another key, tampered, another format, too large, garbage).
    let openBytes (key: byte[]) (associated: byte[]) (entry: byte[]) : byte[] option =
        let header = 1 + NonceSize + TagSize

        if isNull entry || entry.Length <= header || entry.Length > MaxEntry || entry[0] <> Version then
            None
        else
            let plain = Array.zeroCreate<byte>(entry.Length - header)
            use aes = new AesGcm(key, TagSize)

            try
                aes.Decrypt(
                    ReadOnlySpan(entry, 1, NonceSize),
                    ReadOnlySpan(entry, header, plain.Length),
                    ReadOnlySpan(entry, 1 + NonceSize, TagSize),
                    Span plain,
                    ReadOnlySpan associated
                )

                Some plain
            with :? AuthenticationTagMismatchException ->
                None

    /// <summary>
    /// A token sealed for the shared cache with a fresh `nonce` and `salt` (the disk record's).
    /// </summary>
    let seal (endpoint: TokenEndpoint) (nonce: byte[]) (salt: string) (token: AccessToken) : byte[] =
        TokenCache.bytes endpoint.Auth endpoint.ClientId endpoint.Secret salt token
        |> sealBytes (sealingKey endpoint) (associated endpoint) nonce

    /// The token in an entry, when it opens under this endpoint's key and holds this client's and
    /// secret's record; anything else (another secret, tampered, another format, garbage) is `None`.
    let openEntry (endpoint: TokenEndpoint) (entry: byte[]) : AccessToken option =
        openBytes (sealingKey endpoint) (associated endpoint) entry
        |> Option.bind (fun plain ->
            TokenCache.read endpoint.Auth endpoint.ClientId endpoint.Secret (ReadOnlyMemory plain))
