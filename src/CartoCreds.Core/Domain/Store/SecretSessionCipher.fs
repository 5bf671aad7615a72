namespace CartoCreds.Core

open System
open System.Numerics
open System.Security.Cryptography

/// The Secret Service's encrypted session, `dh-ietf1024-sha256-aes128-cbc-pkcs7`, as libsecret
/// opens it: Diffie-Hellman in RFC 2409's second Oakley group (1024-bit MODP, generator 2); the
/// shared secret, padded to the prime's 128 bytes, through HKDF-SHA256 (no salt, no info) to an
/// AES-128 key; each secret sent as AES-128-CBC with PKCS#7 padding under a fresh 16-byte IV.
[<RequireQualifiedAccess>]
module SecretSessionCipher =

    [<Literal>]
    let Algorithm = "dh-ietf1024-sha256-aes128-cbc-pkcs7"

    let private prime =
        BigInteger.Parse(
            "00FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
            Globalization.NumberStyles.HexNumber
        )

    let private primeBytes = 128

    let private unsigned (bytes: byte[]) = BigInteger(ReadOnlySpan bytes, isUnsigned = true, isBigEndian = true)

    let private bigEndian (value: BigInteger) (length: int) =
        let raw = value.ToByteArray(isUnsigned = true, isBigEndian = true)
        let padded = Array.zeroCreate<byte>(max length raw.Length)
        Array.blit raw 0 padded (padded.Length - raw.Length) raw.Length
        padded

    /// A private exponent and the public value sent in `OpenSession` (big-endian, unsigned).
    type KeyPair = private { Private: BigInteger; Public: byte[] }

    let publicKey (pair: KeyPair) = Array.copy pair.Public

    /// The private exponent's size: 256 bits, twice the strength of the 1024-bit group itself
    /// (about 80 bits), and a quarter of the work of a full-size exponent (BENCHMARKS.md).
    [<Literal>]
    let PrivateBytes = 32

    /// A key pair from random bytes (`PrivateBytes` of `RandomNumberGenerator` in the shell).
    let keyPair (random: byte[]) : KeyPair =
        let x = BigInteger.Remainder(unsigned random, prime - BigInteger.One) + BigInteger.One

        { Private = x
          Public = bigEndian (BigInteger.ModPow(BigInteger(2), x, prime)) 0 }

    /// The AES key shared with the service, from its public value; an error when the value is not
    /// one a peer in the group could send.
    let sessionKey (pair: KeyPair) (peer: byte[]) : Result<byte[], KeychainError> =
        let y = unsigned peer

        if peer.Length = 0 || peer.Length > primeBytes || y <= BigInteger.One || y >= prime - BigInteger.One then
            Error KeychainError.KeyOutsideGroup
        else
            let shared = bigEndian (BigInteger.ModPow(y, pair.Private, prime)) primeBytes
            Ok(HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 16, Array.empty, Array.empty))

    /// `plain` encrypted under `key` with `iv`: the secret's value as sent.
    let encrypt (key: byte[]) (iv: byte[]) (plain: byte[]) : byte[] =
        use aes = Aes.Create()
        aes.Key <- key
        aes.EncryptCbc(ReadOnlySpan plain, ReadOnlySpan iv, PaddingMode.PKCS7)

    /// The secret's value decrypted, or `None` when it does not decrypt (another key, tampered).
    let decrypt (key: byte[]) (iv: byte[]) (sealed': byte[]) : byte[] option =
        if iv.Length <> 16 || sealed'.Length = 0 || sealed'.Length % 16 <> 0 then
            None
        else
            use aes = Aes.Create()
            aes.Key <- key

            try
                Some(aes.DecryptCbc(ReadOnlySpan sealed', ReadOnlySpan iv, PaddingMode.PKCS7))
            with :? CryptographicException ->
                None
