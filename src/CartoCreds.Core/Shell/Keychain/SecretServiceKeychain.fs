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

    static let servicePath = SecretServiceWire.ServicePath
    static let service = SecretServiceWire.Service
    static let noPrompt = "/"

    let connect () = SecretServiceWire.Connect(address, timeout)

    /// A keychain that never shows a prompt: a locked collection that needs one is `Locked`.
    new(address: string option, timeout: TimeSpan) = SecretServiceKeychain(address, timeout, None)

    /// Unlocks `paths`: with no prompt when that needs none, else through the service's prompt
    /// when one may be shown; the unlocked paths, or `Locked`, `Dismissed` or `TimedOut`.
    member private _.Unlock(connection: DBusConnection, paths: string[]) =
        task {
            if paths.Length = 0 then
                return Ok Array.empty
            else
                let message = SecretServiceWire.PathsMessage(connection, servicePath, service, "Unlock", paths, None)

                match!
                    SecretServiceWire.BoundedReply
                        timeout
                        "Unlock"
                        (connection.CallMethodAsync(message, SecretServiceWire.ReadPathsAndPrompt, null))
                with
                | Ok(_, shown) when shown <> noPrompt ->
                    match prompt with
                    | None -> return Error KeychainError.Locked
                    | Some wait ->
                        match! SecretServicePrompt.run connection timeout wait shown with
                        | Ok() -> return Ok paths
                        | Error e -> return Error e
                | Ok(unlocked, _) -> return Ok unlocked
                | Error e -> return Error e
        }

    /// The items of `item`'s attributes, unlocked.
    member private this.Search(connection: DBusConnection, item: KeychainItem) =
        task {
            match!
                SecretServiceWire.BoundedReply
                    timeout
                    "SearchItems"
                    (connection.CallMethodAsync(
                        SecretServiceWire.SearchMessage(connection, item),
                        SecretServiceWire.ReadPaths,
                        null
                    ))
            with
            | Error e -> return Error e
            | Ok(unlocked, locked) ->
                match! this.Unlock(connection, locked) with
                | Ok opened -> return Ok(Array.append unlocked opened)
                | Error e -> return Error e
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

    interface IKeychain with
        member this.Find(item) =
            let keyPair = SecretServiceSession.keyPair ()

            this.Using(fun connection ->
                task {
                    // The session is opened while the items are searched: one round trip less.
                    let opening = SecretServiceSession.openOn timeout connection keyPair

                    match! this.Search(connection, item) with
                    | Error e -> return Error e
                    | Ok [||] -> return Ok None
                    | Ok items ->
                        match! opening with
                        | Error e -> return Error e
                        | Ok session ->
                            let message =
                                SecretServiceWire.PathsMessage(
                                    connection,
                                    servicePath,
                                    service,
                                    "GetSecrets",
                                    items,
                                    Some session.Path
                                )

                            match!
                                SecretServiceWire.BoundedReply
                                    timeout
                                    "GetSecrets"
                                    (connection.CallMethodAsync(message, SecretServiceWire.ReadSecrets, null))
                            with
                            | Error e -> return Error e
                            | Ok secrets ->
                                // Removed by another program between the search and now: no item.
                                match items |> Array.tryPick (fun path -> Map.tryFind path secrets) with
                                | None -> return Ok None
                                | Some(iv, value) ->
                                    let plain =
                                        match session.Key with
                                        | Some key -> SecretSessionCipher.decrypt key iv value
                                        | None -> Some value

                                    match plain with
                                    | None -> return Error(KeychainError.NotOurs ForeignItem.DoesNotDecrypt)
                                    | Some bytes ->
                                        try
                                            return Ok(Some((UTF8Encoding(false, true)).GetString bytes))
                                        with :? DecoderFallbackException ->
                                            return Error(KeychainError.NotOurs ForeignItem.NotText)
                })

        member this.Save(item, secret) =
            this.Using(fun connection ->
                task {
                    match!
                        SecretServiceWire.BoundedReply
                            timeout
                            "ReadAlias"
                            (connection.CallMethodAsync(
                                SecretServiceWire.AliasMessage connection,
                                SecretServiceWire.ReadPath,
                                null
                            ))
                    with
                    | Error e -> return Error e
                    | Ok collection when collection = noPrompt -> return Error KeychainError.NoDefaultCollection
                    | Ok collection ->
                        match! this.Unlock(connection, [| collection |]) with
                        | Error e -> return Error e
                        | Ok _ ->
                            match!
                                SecretServiceSession.openOn timeout connection (SecretServiceSession.keyPair ())
                            with
                            | Error e -> return Error e
                            | Ok session ->
                                let bytes = Encoding.UTF8.GetBytes secret

                                let iv, value =
                                    match session.Key with
                                    | Some key ->
                                        let iv = RandomNumberGenerator.GetBytes 16
                                        iv, SecretSessionCipher.encrypt key iv bytes
                                    | None -> Array.empty, bytes

                                let message =
                                    SecretServiceWire.CreateMessage(
                                        connection,
                                        collection,
                                        item,
                                        session.Path,
                                        iv,
                                        value
                                    )

                                match!
                                    SecretServiceWire.BoundedReply
                                        timeout
                                        "CreateItem"
                                        (connection.CallMethodAsync(message, SecretServiceWire.ReadPathAndPrompt, null))
                                with
                                | Ok(_, prompt) when prompt <> noPrompt -> return Error KeychainError.Locked
                                | Ok(created, _) ->
                                    // The same identity under another URL: replaced, not kept beside.
                                    match! this.Search(connection, item) with
                                    | Ok found -> return! this.Remove(connection, found |> Array.filter ((<>) created))
                                    | Error e -> return Error e
                                | Error e -> return Error e
                })

        member this.Delete(item) =
            this.Using(fun connection ->
                task {
                    match! this.Search(connection, item) with
                    | Error e -> return Error e
                    | Ok items ->
                        let! removed = this.Remove(connection, items)
                        return removed |> Result.map (fun () -> items.Length > 0)
                })
