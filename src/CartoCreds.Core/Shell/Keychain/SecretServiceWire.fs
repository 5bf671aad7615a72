namespace CartoCreds.Core

open System
open System.Threading.Tasks
open Tmds.DBus.Protocol

/// A method call: the object, its interface, the method, and the signature of its arguments
/// (null for none).
type internal DBusCall = { Path: string; Interface: string; Member: string; Signature: string }

/// Writes a call's arguments.
type internal WriteArguments = delegate of byref<MessageWriter> -> unit

/// Reads one value of a reply's body.
type internal ReadPart<'T> = delegate of byref<Reader> -> 'T

/// A secret as it travels to the service: the session it is encrypted for, and its IV and value.
type internal SealedSecret = { Session: string; Iv: byte[]; Value: byte[] }

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

    static member val ReadPath = SecretServiceWire.Body("o", SecretServiceWire.Path)

    /// A reply of `signature` whose body `read` reads.
    static member private Body<'T>(signature: string, read: ReadPart<'T>) : MessageValueReader<'T option> =
        SecretServiceWire.Reader(
            signature,
            fun message ->
                let mutable reader = message.GetBodyReader()
                read.Invoke(&reader)
        )

    /// A reply of two values, each read by its part.
    static member private Pair<'A, 'B>
        (signature: string, first: ReadPart<'A>, second: ReadPart<'B>)
        : MessageValueReader<('A * 'B) option> =
        SecretServiceWire.Body(
            signature,
            ReadPart(fun reader ->
                let one = first.Invoke(&reader)
                one, second.Invoke(&reader))
        )

    static member private Paths: ReadPart<string[]> =
        ReadPart(fun reader -> reader.ReadArrayOfObjectPath() |> Array.map string)

    static member private Path: ReadPart<string> = ReadPart(fun reader -> reader.ReadObjectPathAsString())

    /// `(ao, ao)`: two lists of object paths.
    static member val ReadPaths = SecretServiceWire.Pair("aoao", SecretServiceWire.Paths, SecretServiceWire.Paths)

    /// `(ao, o)`: a list of object paths and a prompt's path.
    static member val ReadPathsAndPrompt =
        SecretServiceWire.Pair("aoo", SecretServiceWire.Paths, SecretServiceWire.Path)

    /// `(o, o)`: an object's path and a prompt's path.
    static member val ReadPathAndPrompt = SecretServiceWire.Pair("oo", SecretServiceWire.Path, SecretServiceWire.Path)

    /// `GetSecrets`' `a{o(oayays)}`: each item's parameters (the IV) and value.
    static member val ReadSecrets =
        SecretServiceWire.Body(
            "a{o(oayays)}",
            ReadPart(fun reader ->
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

                found)
        )

    static member val ReadSession =
        SecretServiceWire.Body(
            "vo",
            ReadPart(fun reader ->
                let output = reader.ReadVariantValue()

                let peer =
                    match output.Type with
                    | VariantValueType.Array -> output.GetArray<byte>()
                    | _ -> Array.empty

                peer, reader.ReadObjectPathAsString())
        )

    /// Attributes as an `a{ss}`.
    static member private WriteAttributes(writer: byref<MessageWriter>, attributes: (string * string) list) =
        let start = writer.WriteDictionaryStart()

        for name, value in attributes do
            writer.WriteDictionaryEntryStart()
            writer.WriteString(name: string)
            writer.WriteString(value: string)

        writer.WriteDictionaryEnd start

    /// A method call of the Secret Service: its header, then the arguments `write` writes.
    static member Message(connection: DBusConnection, call: DBusCall, write: WriteArguments) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                call.Path,
                call.Interface,
                call.Member,
                call.Signature,
                MessageFlags.None
            )

            write.Invoke(&writer)
            writer.CreateMessage()
        finally
            writer.Dispose()

    /// A call on the service object itself.
    static member OnService(name: string, signature: string) =
        { Path = SecretServiceWire.ServicePath
          Interface = SecretServiceWire.Service
          Member = name
          Signature = signature }

    static member OpenMessage(connection: DBusConnection, publicKey: byte[] option) =
        SecretServiceWire.Message(
            connection,
            SecretServiceWire.OnService("OpenSession", "sv"),
            WriteArguments(fun writer ->
                match publicKey with
                | Some key ->
                    writer.WriteString SecretSessionCipher.Algorithm
                    writer.WriteSignature "ay"
                    writer.WriteArray(key: byte[])
                | None ->
                    writer.WriteString "plain"
                    writer.WriteVariantString "")
        )

    /// A call on `path` of `iface` whose arguments are a list of object paths (`ao`), and maybe one more path.
    static member PathsMessage(connection: DBusConnection, call: DBusCall, paths: string[], extra: string option) =
        SecretServiceWire.Message(
            connection,
            { call with Signature = (if extra.IsSome then "aoo" else "ao") },
            WriteArguments(fun writer ->
                writer.WriteArray(paths |> Array.map (fun (p: string) -> ObjectPath p))

                match extra with
                | Some path -> writer.WriteObjectPath(path: string)
                | None -> ())
        )

    static member SearchMessage(connection: DBusConnection, item: KeychainItem) =
        SecretServiceWire.Message(
            connection,
            SecretServiceWire.OnService("SearchItems", "a{ss}"),
            WriteArguments(fun writer -> SecretServiceWire.WriteAttributes(&writer, KeychainItem.identity item))
        )

    static member NoArgumentMessage(connection: DBusConnection, path, iface, name) =
        SecretServiceWire.Message(
            connection,
            { Path = path; Interface = iface; Member = name; Signature = null },
            WriteArguments(fun _ -> ())
        )

    static member AliasMessage(connection: DBusConnection) =
        SecretServiceWire.Message(
            connection,
            SecretServiceWire.OnService("ReadAlias", "s"),
            WriteArguments(fun writer -> writer.WriteString "default")
        )

    /// `CreateItem` in `collection`: the item's label and attributes, and its secret, encrypted
    /// for the session (`iv`, `value`), replacing an item of the same attributes.
    static member CreateMessage
        (connection: DBusConnection, collection: string, item: KeychainItem, secret: SealedSecret)
        =
        SecretServiceWire.Message(
            connection,
            { Path = collection
              Interface = "org.freedesktop.Secret.Collection"
              Member = "CreateItem"
              Signature = "a{sv}(oayays)b" },
            WriteArguments(fun writer ->
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
                writer.WriteObjectPath secret.Session
                writer.WriteArray(secret.Iv: byte[])
                writer.WriteArray(secret.Value: byte[])
                writer.WriteString "text/plain"
                writer.WriteBool true)
        )
