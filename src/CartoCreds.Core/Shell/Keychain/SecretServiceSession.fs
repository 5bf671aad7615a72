namespace CartoCreds.Core

open System
open System.Runtime.InteropServices
open System.Security.Cryptography
open System.Threading.Tasks
open Tmds.DBus.Protocol

/// An open session with the Secret Service: the path, and the AES key when it is encrypted.
type internal SecretSession = { Path: string; Key: byte[] option }

/// <summary>
/// Opening the Secret Service's session (`SecretSessionCipher`), arranged for a short start: the
/// key pair is made on another thread while the bus is reached, from the kernel's random bytes;
/// the system's crypto library, which HKDF and AES come from and which takes a few milliseconds to
/// load, is loaded while the service computes its half of the exchange (BENCHMARKS.md, issue 33).
/// </summary>
module internal SecretServiceSession =

    [<DllImport("libc", EntryPoint = "getrandom", SetLastError = true)>]
    extern nativeint private getrandom(byte[] buffer, unativeint length, uint32 flags)

    /// `count` bytes from the kernel's generator (`getrandom`, blocking until it is seeded), which
    /// `RandomNumberGenerator` would reach only after loading the crypto library; that, when the
    /// call is missing or falls short.
    let internal randomBytes (count: int) =
        let buffer = Array.zeroCreate<byte> count

        let filled =
            try
                getrandom (buffer, unativeint count, 0u) = nativeint count
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException -> false

        if filled then buffer else RandomNumberGenerator.GetBytes count

    /// A key pair made on another thread (one modular exponentiation).
    let keyPair () = Task.Run(fun () -> SecretSessionCipher.keyPair (randomBytes SecretSessionCipher.PrivateBytes))

    /// Loads the crypto library on another thread: what the first HKDF and AES would load.
    let private loadCrypto () =
        Task.Run(fun () ->
            HKDF.DeriveKey(HashAlgorithmName.SHA256, Array.zeroCreate 16, 16, Array.empty, Array.empty) |> ignore

            use aes = Aes.Create()
            aes.Key <- Array.zeroCreate 16

            aes.EncryptCbc(ReadOnlySpan(Array.zeroCreate<byte> 16), ReadOnlySpan(Array.zeroCreate<byte> 16)) |> ignore)

    /// An encrypted session, or `plain` when the service supports nothing else.
    let openOn (timeout: TimeSpan) (connection: DBusConnection) (keyPair: Task<SecretSessionCipher.KeyPair>) =
        let bounded (operation: string) (call: Task<'T option>) : Task<Result<'T, KeychainError>> =
            SecretServiceWire.BoundedReply timeout operation call

        task {
            let! pair = keyPair
            let message = SecretServiceWire.OpenMessage(connection, Some(SecretSessionCipher.publicKey pair))
            let call = connection.CallMethodAsync(message, SecretServiceWire.ReadSession, null)
            let crypto = loadCrypto ()

            match! bounded "OpenSession" call with
            | Ok(peer, path) ->
                do! crypto

                return
                    SecretSessionCipher.sessionKey pair peer |> Result.map (fun key -> { Path = path; Key = Some key })
            | Error(KeychainError.Failed(_, DBusError.NotSupported, _)) ->
                let message = SecretServiceWire.OpenMessage(connection, None)

                let! plain =
                    bounded "OpenSession" (connection.CallMethodAsync(message, SecretServiceWire.ReadSession, null))

                return plain |> Result.map (fun (_, path) -> { Path = path; Key = None })
            | Error e -> return Error e
        }
