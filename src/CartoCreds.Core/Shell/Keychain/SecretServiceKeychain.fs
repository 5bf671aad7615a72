namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Text
open System.Threading.Tasks
open Tmds.DBus.Protocol

/// <summary>
/// Linux's keychain: the freedesktop Secret Service API over D-Bus (gnome-keyring, KWallet,
/// KeePassXC), with no libsecret (Tmds.DBus.Protocol, Native AOT safe). A session is opened
/// encrypted as libsecret opens it (`SecretServiceSession`), `plain` only when the service offers
/// nothing else. Items go to the default collection. A locked item or collection is unlocked when
/// that needs no prompt; when it needs one, the service's prompt is shown if `prompt` allows it (a
/// display to show it on, and how long a person may take), else it is an error (SPEC §11). Every
/// call is bounded by `timeout`.
/// </summary>
type SecretServiceKeychain(address: string option, timeout: TimeSpan, prompt: TimeSpan option) =

    static let onService name = SecretServiceWire.OnService(name, null)
    static let noPrompt = "/"

    let connect () = SecretServiceWire.Connect(address, timeout)

    /// A call whose reply one of the wire's readers reads, bounded.
    let call operation (message: MessageBuffer) (reader: MessageValueReader<'T option>) (connection: DBusConnection) =
        SecretServiceWire.BoundedReply timeout operation (connection.CallMethodAsync(message, reader, null))

    /// A keychain that never shows a prompt: a locked collection that needs one is `Locked`.
    new(address: string option, timeout: TimeSpan) = SecretServiceKeychain(address, timeout, None)

    /// Unlocks `paths`: with no prompt when that needs none, else through the service's prompt
    /// when one may be shown; the unlocked paths, or `Locked`, `Dismissed` or `TimedOut`.
    member private _.Unlock(connection: DBusConnection, paths: string[]) =
        taskResult {
            if paths.Length = 0 then
                return Array.empty
            else
                let message = SecretServiceWire.PathsMessage(connection, onService "Unlock", paths, None)
                let! unlocked, shown = call "Unlock" message SecretServiceWire.ReadPathsAndPrompt connection

                match shown, prompt with
                | shown, _ when shown = noPrompt -> return unlocked
                | _, None -> return! Error KeychainError.Locked
                | shown, Some wait ->
                    do! SecretServicePrompt.run connection timeout wait shown
                    return paths
        }

    /// The items of `item`'s attributes, unlocked.
    member private this.Search(connection: DBusConnection, item: KeychainItem) =
        taskResult {
            let message = SecretServiceWire.SearchMessage(connection, item)
            let! unlocked, locked = call "SearchItems" message SecretServiceWire.ReadPaths connection
            let! opened = this.Unlock(connection, locked)
            return Array.append unlocked opened
        }

    /// Deletes the items at `paths`; one removed meanwhile by another program is gone, as asked.
    member private _.Remove(connection: DBusConnection, paths: string[]) =
        task {
            let mutable result = Ok()

            for path in paths do
                if result = Ok() then
                    let message =
                        SecretServiceWire.NoArgumentMessage(connection, path, "org.freedesktop.Secret.Item", "Delete")

                    match!
                        SecretServiceWire.BoundedReply
                            timeout
                            "Delete"
                            (connection.CallMethodAsync(message, SecretServiceWire.ReadPath, null))
                    with
                    | Ok prompt when prompt <> noPrompt -> result <- Error KeychainError.Locked
                    | Ok _ -> ()
                    | Error(KeychainError.Failed(_, (DBusError.NoSuchObject | DBusError.UnknownObject), _)) -> ()
                    | Error e -> result <- Error e

            return result
        }

    member private this.Using(work: DBusConnection -> Task<Result<'T, KeychainError>>) =
        task {
            match! connect () with
            | Error e -> return Error e
            | Ok connection ->
                use _ = connection
                return! work connection
        }

    /// The secret of the first of `items` still there, decrypted with the session's key.
    static member private Secret(session: SecretSession, items: string[], secrets: Map<string, byte[] * byte[]>) =
        // Removed by another program between the search and now: no item.
        match items |> Array.tryPick (fun path -> Map.tryFind path secrets) with
        | None -> Ok None
        | Some(iv, value) ->
            let plain =
                match session.Key with
                | Some key -> SecretSessionCipher.decrypt key iv value
                | None -> Some value

            match plain with
            | None -> Error(KeychainError.NotOurs ForeignItem.DoesNotDecrypt)
            | Some bytes ->
                try
                    Ok(Some((UTF8Encoding(false, true)).GetString bytes))
                with :? DecoderFallbackException ->
                    Error(KeychainError.NotOurs ForeignItem.NotText)

    interface IKeychain with
        member this.Find(item) =
            let keyPair = SecretServiceSession.keyPair ()

            this.Using(fun connection ->
                // The session is opened while the items are searched: one round trip less.
                let opening = SecretServiceSession.openOn timeout connection keyPair

                taskResult {
                    match! this.Search(connection, item) with
                    | [||] -> return None
                    | items ->
                        let! session = opening

                        let message =
                            SecretServiceWire.PathsMessage(
                                connection,
                                onService "GetSecrets",
                                items,
                                Some session.Path
                            )

                        let! secrets = call "GetSecrets" message SecretServiceWire.ReadSecrets connection
                        return! SecretServiceKeychain.Secret(session, items, secrets)
                })

        member this.Save(item, secret) =
            this.Using(fun connection ->
                taskResult {
                    let alias = SecretServiceWire.AliasMessage connection
                    let! collection = call "ReadAlias" alias SecretServiceWire.ReadPath connection

                    if collection = noPrompt then
                        return! Error KeychainError.NoDefaultCollection
                    else
                        let! _ = this.Unlock(connection, [| collection |])
                        let! session = SecretServiceSession.openOn timeout connection (SecretServiceSession.keyPair ())
                        let bytes = Encoding.UTF8.GetBytes secret

                        let iv, value =
                            match session.Key with
                            | Some key ->
                                let iv = RandomNumberGenerator.GetBytes 16
                                iv, SecretSessionCipher.encrypt key iv bytes
                            | None -> Array.empty, bytes

                        let sealedSecret = { Session = session.Path; Iv = iv; Value = value }
                        let message = SecretServiceWire.CreateMessage(connection, collection, item, sealedSecret)

                        let! created, shown = call "CreateItem" message SecretServiceWire.ReadPathAndPrompt connection

                        if shown <> noPrompt then
                            return! Error KeychainError.Locked
                        else
                            // The same identity under another URL: replaced, not kept beside.
                            let! found = this.Search(connection, item)
                            return! this.Remove(connection, found |> Array.filter ((<>) created))
                })

        member this.Delete(item) =
            this.Using(fun connection ->
                taskResult {
                    let! items = this.Search(connection, item)
                    do! this.Remove(connection, items)
                    return items.Length > 0
                })
