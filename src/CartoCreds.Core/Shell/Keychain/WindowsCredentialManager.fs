namespace CartoCreds.Core

open System
open System.Runtime.InteropServices
open System.Text
open System.Threading.Tasks

/// `CREDENTIALW`, as advapi32 lays it out.
[<Struct; StructLayout(LayoutKind.Sequential)>]
type internal NativeCredential =
    val mutable Flags: uint32
    val mutable Type: uint32
    val mutable TargetName: nativeint
    val mutable Comment: nativeint
    val mutable LastWrittenLow: uint32
    val mutable LastWrittenHigh: uint32
    val mutable CredentialBlobSize: uint32
    val mutable CredentialBlob: nativeint
    val mutable Persist: uint32
    val mutable AttributeCount: uint32
    val mutable Attributes: nativeint
    val mutable TargetAlias: nativeint
    val mutable UserName: nativeint

module internal Advapi32 =
    [<Literal>]
    let Generic = 1u

    [<Literal>]
    let PersistLocalMachine = 2u

    [<Literal>]
    let NotFound = 1168

    [<DllImport("advapi32.dll", EntryPoint = "CredWriteW", SetLastError = true)>]
    extern bool CredWrite(NativeCredential& credential, uint32 flags)

    [<DllImport("advapi32.dll", EntryPoint = "CredReadW", SetLastError = true)>]
    extern bool CredRead(nativeint target, uint32 kind, uint32 flags, nativeint& credential)

    [<DllImport("advapi32.dll", EntryPoint = "CredDeleteW", SetLastError = true)>]
    extern bool CredDelete(nativeint target, uint32 kind, uint32 flags)

    [<DllImport("advapi32.dll", EntryPoint = "CredFree")>]
    extern void CredFree(nativeint buffer)

/// <summary>
/// Windows' keychain: Credential Manager's generic credentials (`CredWriteW`, `CredReadW`,
/// `CredDeleteW`), persisted for this user on this machine. An item's target is `cartocreds:` and
/// its key (`cartocreds:legacy-session`, `cartocreds:profile-token:{profile}`), its comment the
/// label, its blob the secret in UTF-8.
/// </summary>
type WindowsCredentialManager() =

    static let target (item: KeychainItem) = KeychainItem.Service + ":" + KeychainItem.key item

    static let failed operation =
        Error(KeychainError.Code(operation, KeychainBackend.CredentialManager, Marshal.GetLastPInvokeError()))

    interface IKeychain with
        member _.Find(item) =
            Task.Run(fun () ->
                let name = Marshal.StringToHGlobalUni(target item)

                try
                    let mutable found = 0n

                    if Advapi32.CredRead(name, Advapi32.Generic, 0u, &found) then
                        try
                            let credential = Marshal.PtrToStructure<NativeCredential> found
                            let blob = Array.zeroCreate<byte>(int credential.CredentialBlobSize)
                            Marshal.Copy(credential.CredentialBlob, blob, 0, blob.Length)

                            try
                                Ok(Some((UTF8Encoding(false, true)).GetString blob))
                            with :? DecoderFallbackException ->
                                Error(KeychainError.NotOurs ForeignItem.NotText)
                        finally
                            Advapi32.CredFree found
                    elif Marshal.GetLastPInvokeError() = Advapi32.NotFound then
                        Ok None
                    else
                        failed "CredRead"
                finally
                    Marshal.FreeHGlobal name)

        member _.Save(item, secret) =
            Task.Run(fun () ->
                let blob = Encoding.UTF8.GetBytes secret
                let name = Marshal.StringToHGlobalUni(target item)
                let comment = Marshal.StringToHGlobalUni(KeychainItem.label item)
                let user = Marshal.StringToHGlobalUni item.Account
                let data = Marshal.AllocHGlobal(max 1 blob.Length)

                try
                    Marshal.Copy(blob, 0, data, blob.Length)
                    let mutable credential = NativeCredential()
                    credential.Type <- Advapi32.Generic
                    credential.TargetName <- name
                    credential.Comment <- comment
                    credential.CredentialBlobSize <- uint32 blob.Length
                    credential.CredentialBlob <- data
                    credential.Persist <- Advapi32.PersistLocalMachine
                    credential.UserName <- user

                    if Advapi32.CredWrite(&credential, 0u) then Ok() else failed "CredWrite"
                finally
                    Marshal.Copy(Array.zeroCreate<byte> blob.Length, 0, data, blob.Length)

                    for pointer in [ name; comment; user; data ] do
                        Marshal.FreeHGlobal pointer)

        member _.Delete(item) =
            Task.Run(fun () ->
                let name = Marshal.StringToHGlobalUni(target item)

                try
                    if Advapi32.CredDelete(name, Advapi32.Generic, 0u) then Ok true
                    elif Marshal.GetLastPInvokeError() = Advapi32.NotFound then Ok false
                    else failed "CredDelete"
                finally
                    Marshal.FreeHGlobal name)
