namespace CartoCreds.Core

open System
open System.Threading.Tasks
open Tmds.DBus.Protocol

/// The Secret Service's messages as D-Bus lays them out (freedesktop Secret Service API 0.2): the
/// calls `SecretServiceKeychain` makes, and readers of their replies.
type internal SecretServiceWire =
    static member Destination = "org.freedesktop.secrets"
    static member ServicePath = "/org/freedesktop/secrets"
    static member Service = "org.freedesktop.Secret.Service"

    /// Each call bounded; the D-Bus errors that mean something to the user, named.
    static member Bounded(timeout: TimeSpan, operation: string, call: Task<'T>) : Task<Result<'T, KeychainError>> =
        task {
            try
                let! value = call.WaitAsync timeout
                return Ok value
            with
            | :? TimeoutException -> return Error(KeychainError.TimedOut(operation, timeout.TotalSeconds))
            | :? DBusErrorReplyException as e ->
                match DBusError.ofName e.ErrorName with
                | DBusError.ServiceUnknown
                | DBusError.NameHasNoOwner -> return Error KeychainError.NoService
                | DBusError.IsLocked -> return Error KeychainError.Locked
                | error -> return Error(KeychainError.Failed(operation, error, e.ErrorMessage))
            | :? DBusConnectionException as e ->
                return Error(KeychainError.NoSessionBus(BusProblem.Unreachable(Refused.terminalSafe e.Message)))
        }

    /// A call whose reply is read by one of the readers below: bounded as `Bounded`, and a reply
    /// they could not read (`None`) is an unexpected reply naming the call, never an exception.
    static member BoundedReply<'T>
        (timeout: TimeSpan)
        (operation: string)
        (call: Task<'T option>)
        : Task<Result<'T, KeychainError>> =
        task {
            match! SecretServiceWire.Bounded(timeout, operation, call) with
            | Ok(Some value) -> return Ok value
            | Ok None -> return Error(KeychainError.UnexpectedReply operation)
            | Error e -> return Error e
        }

    /// A reader of a reply of `signature`: a reply of any other signature, or one whose body
    /// cannot be read as it says, is `None`. (A reader runs on the connection's receive path,
    /// where an exception would close the connection for every call on it.)
    static member private Reader<'T>(signature: string, read: Message -> 'T) : MessageValueReader<'T option> =
        MessageValueReader<'T option>(fun message _ ->
            if message.SignatureAsString <> signature then
                None
            else
                try
                    Some(read message)
                with
                | :? DBusReadException
                | :? ArgumentException
                | :? InvalidOperationException
                | :? IndexOutOfRangeException
                | :? InvalidCastException -> None)

    /// A connection to the session bus at `address`, within `timeout`.
    static member Connect(address: string option, timeout: TimeSpan) : Task<Result<DBusConnection, KeychainError>> =
        task {
            match address with
            | None -> return Error(KeychainError.NoSessionBus BusProblem.AddressNotSet)
            | Some address ->
                let connection = new DBusConnection(address)

                try
                    do! connection.ConnectAsync().AsTask().WaitAsync timeout
                    return Ok connection
                with e ->
                    connection.Dispose()

                    return
                        Error(
                            match e with
                            | :? TimeoutException ->
                                KeychainError.TimedOut("connecting to the session bus", timeout.TotalSeconds)
                            | e -> KeychainError.NoSessionBus(BusProblem.Unreachable(Refused.terminalSafe e.Message))
                        )
        }

    static member val ReadPath =
        SecretServiceWire.Reader("o", (fun message -> message.GetBodyReader().ReadObjectPathAsString()))

    /// `(ao, o)` or `(ao, ao)`: two lists of object paths, or a list and a path.
    static member val ReadPaths =
        SecretServiceWire.Reader(
            "aoao",
            fun message ->
                let mutable reader = message.GetBodyReader()
                let first = reader.ReadArrayOfObjectPath() |> Array.map string
                let second = reader.ReadArrayOfObjectPath() |> Array.map string
                first, second
        )

    static member val ReadPathsAndPrompt =
        SecretServiceWire.Reader(
            "aoo",
            fun message ->
                let mutable reader = message.GetBodyReader()
                let first = reader.ReadArrayOfObjectPath() |> Array.map string
                first, reader.ReadObjectPathAsString()
        )

    static member val ReadPathAndPrompt =
        SecretServiceWire.Reader(
            "oo",
            fun message ->
                let mutable reader = message.GetBodyReader()
                let first = reader.ReadObjectPathAsString()
                first, reader.ReadObjectPathAsString()
        )

    /// `GetSecrets`' `a{o(oayays)}`: each item's parameters (the IV) and value.
    static member val ReadSecrets =
        SecretServiceWire.Reader(
            "a{o(oayays)}",
            fun message ->
                let mutable reader = message.GetBodyReader()
                let finish = reader.ReadDictionaryStart()
                let mutable found = Map.empty

                while reader.HasNext finish do
                    reader.AlignStruct()
                    let item = reader.ReadObjectPathAsString()
                    reader.AlignStruct()
                    reader.ReadObjectPath() |> ignore
                    let parameters = reader.ReadArrayOfByte()
                    let value = reader.ReadArrayOfByte()
                    reader.ReadString() |> ignore
                    found <- Map.add item (parameters, value) found

                found
        )

    static member val ReadSession =
        SecretServiceWire.Reader(
            "vo",
            fun message ->
                let mutable reader = message.GetBodyReader()
                let output = reader.ReadVariantValue()

                let peer =
                    match output.Type with
                    | VariantValueType.Array -> output.GetArray<byte>()
                    | _ -> Array.empty

                peer, reader.ReadObjectPathAsString()
        )

    /// Attributes as an `a{ss}`.
    static member private WriteAttributes(writer: byref<MessageWriter>, attributes: (string * string) list) =
        let start = writer.WriteDictionaryStart()

        for name, value in attributes do
            writer.WriteDictionaryEntryStart()
            writer.WriteString(name: string)
            writer.WriteString(value: string)

        writer.WriteDictionaryEnd start

    static member OpenMessage(connection: DBusConnection, publicKey: byte[] option) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                SecretServiceWire.ServicePath,
                SecretServiceWire.Service,
                "OpenSession",
                "sv",
                MessageFlags.None
            )

            match publicKey with
            | Some key ->
                writer.WriteString SecretSessionCipher.Algorithm
                writer.WriteSignature "ay"
                writer.WriteArray(key: byte[])
            | None ->
                writer.WriteString "plain"
                writer.WriteVariantString ""

            writer.CreateMessage()
        finally
            writer.Dispose()

    /// A call on `path` of `iface` whose arguments are a list of object paths (`ao`), and maybe one more path.
    static member PathsMessage(connection: DBusConnection, path, iface, name, paths: string[], extra: string option) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                path,
                iface,
                name,
                (if extra.IsSome then "aoo" else "ao"),
                MessageFlags.None
            )

            writer.WriteArray(paths |> Array.map (fun (p: string) -> ObjectPath p))

            match extra with
            | Some path -> writer.WriteObjectPath(path: string)
            | None -> ()

            writer.CreateMessage()
        finally
            writer.Dispose()

    static member SearchMessage(connection: DBusConnection, item: KeychainItem) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                SecretServiceWire.ServicePath,
                SecretServiceWire.Service,
                "SearchItems",
                "a{ss}",
                MessageFlags.None
            )

            SecretServiceWire.WriteAttributes(&writer, KeychainItem.identity item)
            writer.CreateMessage()
        finally
            writer.Dispose()

    static member NoArgumentMessage(connection: DBusConnection, path, iface, name) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(SecretServiceWire.Destination, path, iface, name, null, MessageFlags.None)
            writer.CreateMessage()
        finally
            writer.Dispose()

    static member AliasMessage(connection: DBusConnection) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                SecretServiceWire.ServicePath,
                SecretServiceWire.Service,
                "ReadAlias",
                "s",
                MessageFlags.None
            )

            writer.WriteString "default"
            writer.CreateMessage()
        finally
            writer.Dispose()

    static member CreateMessage
        (connection: DBusConnection, collection: string, item: KeychainItem, session: string, iv: byte[], value: byte[])
        =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                collection,
                "org.freedesktop.Secret.Collection",
                "CreateItem",
                "a{sv}(oayays)b",
                MessageFlags.None
            )

            let properties = writer.WriteDictionaryStart()
            writer.WriteDictionaryEntryStart()
            writer.WriteString "org.freedesktop.Secret.Item.Label"
            writer.WriteVariantString(KeychainItem.label item)
            writer.WriteDictionaryEntryStart()
            writer.WriteString "org.freedesktop.Secret.Item.Attributes"
            writer.WriteSignature "a{ss}"
            SecretServiceWire.WriteAttributes(&writer, KeychainItem.attributes item)
            writer.WriteDictionaryEnd properties
            writer.WriteStructureStart()
            writer.WriteObjectPath session
            writer.WriteArray(iv: byte[])
            writer.WriteArray(value: byte[])
            writer.WriteString "text/plain"
            writer.WriteBool true
            writer.CreateMessage()
        finally
            writer.Dispose()
