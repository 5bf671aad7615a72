/// SPEC §11's cases a real keyring does not produce on demand, against a scripted Secret Service:
/// a peer on a private session bus (a real dbus-daemon) that owns `org.freedesktop.secrets` and
/// answers as told. A service that offers only `plain`; a locked item unlocked with no prompt; an
/// item removed by another program between the search and the read; a secret that does not
/// decrypt, or is not text.
module CartoCreds.Core.Tests.ScriptedSecretServiceTests

open System
open System.Text
open System.Threading.Tasks
open CartoCreds.Core
open CartoCreds.Core.Tests.PrivateKeyring
open CartoCreds.Core.Tests.Support
open Tmds.DBus.Protocol
open Xunit

/// What the person does with the service's unlock prompt.
type Person =
    | Unlocks
    | Dismisses
    | IsAway

/// How the scripted service behaves.
type Script =
    {
        /// `OpenSession` with the encrypted algorithm is refused as NotSupported.
        PlainOnly: bool
        /// Items are found locked; `Unlock` opens them with no prompt, or through one.
        Locked: bool
        /// Unlocking shows a prompt, and the person answers it so.
        Prompt: Person option
        /// Items are found, but gone by `GetSecrets` and `Delete` (removed by another program).
        Vanished: bool
        /// `GetSecrets` answers with these bytes as the secret's value, as they are.
        Planted: byte[] option
        /// This method is answered with a reply of another D-Bus signature (a string), as an
        /// impostor or a broken service might.
        Mangled: string option
    }

let private calm =
    { PlainOnly = false
      Locked = false
      Prompt = None
      Vanished = false
      Planted = None
      Mangled = None }

let private root = "/org/freedesktop/secrets"
let private itemPath = root + "/collection/login/1"
let private sessionPath = root + "/session/s1"
let private promptPath = root + "/prompt/p1"

/// A reply's body, written in place.
type private Body = delegate of byref<MessageWriter> -> unit

/// The service: it keeps one item's secret, in the clear, and the calls it was asked, in order.
type private ScriptedService(script: Script) =
    let calls = ResizeArray<string>()
    let mutable secret: byte[] option = None
    let mutable key: byte[] option = None
    let mutable opened = false

    let reply (context: MethodContext) (signature: string) (body: Body) =
        let mutable writer = context.CreateReplyWriter signature

        try
            body.Invoke &writer
            context.Reply(writer.CreateMessage())
        finally
            writer.Dispose()

    let openSession (context: MethodContext) =
        let mutable reader = context.Request.GetBodyReader()
        let algorithm = reader.ReadString()
        let input = reader.ReadVariantValue()
        calls.Add("OpenSession " + algorithm)

        if algorithm = "plain" then
            key <- None

            reply
                context
                "vo"
                (Body(fun w ->
                    w.WriteVariantString ""
                    w.WriteObjectPath sessionPath))
        elif script.PlainOnly then
            context.ReplyError("org.freedesktop.DBus.Error.NotSupported", "only plain here")
        else
            let pair = SecretSessionCipher.keyPair (Security.Cryptography.RandomNumberGenerator.GetBytes 32)

            match SecretSessionCipher.sessionKey pair (input.GetArray<byte>()) with
            | Ok agreed ->
                key <- Some agreed

                reply
                    context
                    "vo"
                    (Body(fun w ->
                        w.WriteSignature "ay"
                        w.WriteArray(SecretSessionCipher.publicKey pair)
                        w.WriteObjectPath sessionPath))
            | Error e -> context.ReplyError("org.freedesktop.DBus.Error.InvalidArgs", ValueMessages.keychainError e)

    let createItem (context: MethodContext) =
        let mutable reader = context.Request.GetBodyReader()
        reader.ReadDictionaryOfStringToVariantValue() |> ignore
        reader.AlignStruct()
        reader.ReadObjectPath() |> ignore
        let iv = reader.ReadArrayOfByte()
        let value = reader.ReadArrayOfByte()
        calls.Add "CreateItem"

        secret <-
            match key with
            | Some key -> SecretSessionCipher.decrypt key iv value
            | None -> Some value

        reply
            context
            "oo"
            (Body(fun w ->
                w.WriteObjectPath itemPath
                w.WriteObjectPath "/"))

    let getSecrets (context: MethodContext) =
        calls.Add "GetSecrets"

        let sent =
            match script.Planted, secret with
            | _ when script.Vanished -> None
            | Some planted, _ -> Some(Array.zeroCreate<byte> 16, planted)
            | None, Some plain ->
                match key with
                | Some key ->
                    let iv = Security.Cryptography.RandomNumberGenerator.GetBytes 16
                    Some(iv, SecretSessionCipher.encrypt key iv plain)
                | None -> Some(Array.empty, plain)
            | None, None -> None

        reply
            context
            "a{o(oayays)}"
            (Body(fun w ->
                let map = w.WriteDictionaryStart()

                match sent with
                | Some(iv, value) ->
                    w.WriteDictionaryEntryStart()
                    w.WriteObjectPath itemPath
                    w.WriteStructureStart()
                    w.WriteObjectPath sessionPath
                    w.WriteArray(iv: byte[])
                    w.WriteArray(value: byte[])
                    w.WriteString "text/plain"
                | None -> ()

                w.WriteDictionaryEnd map))

    /// `Completed` from the prompt, as the service signals the person's answer.
    let complete (connection: DBusConnection) (dismissed: bool) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteSignalHeader(null, promptPath, "org.freedesktop.Secret.Prompt", "Completed", "bv")
            writer.WriteBool dismissed
            writer.WriteSignature "ao"
            writer.WriteArray(if dismissed then [||] else [| ObjectPath itemPath |])
            connection.TrySendMessage(writer.CreateMessage()) |> ignore
        finally
            writer.Dispose()

    let handle (context: MethodContext) =
        match context.Request.MemberAsString with
        | called when script.Mangled = Some called ->
            calls.Add called
            reply context "s" (Body(fun w -> w.WriteString "not what was asked"))
        | "OpenSession" -> openSession context
        | "SearchItems" ->
            calls.Add "SearchItems"

            let found =
                if secret.IsSome || script.Vanished || script.Planted.IsSome then
                    [| itemPath |]
                else
                    [||]

            let unlocked, locked = if script.Locked && not opened then [||], found else found, [||]

            reply
                context
                "aoao"
                (Body(fun w ->
                    w.WriteArray(unlocked |> Array.map ObjectPath)
                    w.WriteArray(locked |> Array.map ObjectPath)))
        | "Unlock" ->
            calls.Add "Unlock"
            let paths = context.Request.GetBodyReader().ReadArrayOfObjectPath() |> Array.map string

            match script.Prompt with
            | Some _ when not opened ->
                reply
                    context
                    "aoo"
                    (Body(fun w ->
                        w.WriteArray(Array.empty<ObjectPath>)
                        w.WriteObjectPath promptPath))
            | _ ->
                opened <- true

                reply
                    context
                    "aoo"
                    (Body(fun w ->
                        w.WriteArray(paths |> Array.map ObjectPath)
                        w.WriteObjectPath "/"))
        | "Prompt" ->
            calls.Add "Prompt"
            reply context "" (Body(fun _ -> ()))

            match script.Prompt with
            | Some Unlocks ->
                opened <- true
                complete context.DBusConnection false
            | Some Dismisses -> complete context.DBusConnection true
            | _ -> ()
        | "Dismiss" ->
            calls.Add "Dismiss"
            reply context "" (Body(fun _ -> ()))
        | "ReadAlias" -> reply context "o" (Body(fun w -> w.WriteObjectPath(root + "/collection/login")))
        | "CreateItem" -> createItem context
        | "GetSecrets" -> getSecrets context
        | "Delete" when script.Vanished ->
            calls.Add "Delete"
            context.ReplyError("org.freedesktop.DBus.Error.UnknownObject", "no such item")
        | "Delete" ->
            calls.Add "Delete"
            secret <- None
            reply context "o" (Body(fun w -> w.WriteObjectPath "/"))
        | _ -> context.ReplyUnknownMethodError()

    member _.Calls = lock calls (fun () -> List.ofSeq calls)
    member _.Secret = secret

    /// An item already there, and the collection locked again.
    member _.Holds(text: string) =
        secret <- Some(Encoding.UTF8.GetBytes text)
        opened <- false

    interface IPathMethodHandler with
        member _.Path = root
        member _.HandlesChildPaths = true

        member _.HandleMethodAsync(context) =
            lock calls (fun () -> handle context)
            ValueTask()

/// The scripted service on a bus of its own, and a keychain that talks to it, which may show a
/// prompt and wait that long for it.
let private scriptedWith (prompt: TimeSpan option) (script: Script) (test: ScriptedService -> IKeychain -> unit) =
    use bus = new Bus(keyring = false)
    use connection = new DBusConnection(bus.Address)
    connection.ConnectAsync().AsTask().Wait(TimeSpan.FromSeconds 10.0) |> ignore
    let service = ScriptedService script
    connection.AddMethodHandler service

    connection.RequestNameAsync("org.freedesktop.secrets", RequestNameOptions.Default).Wait(TimeSpan.FromSeconds 10.0)
    |> ignore

    test service (SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0, prompt))

let private scripted script test = scriptedWith None script test

let private ok (result: Task<Result<'T, KeychainError>>) =
    match result.Result with
    | Ok value -> value
    | Error e -> failwithf "keychain: %s" (ValueMessages.keychainError e)

let private item = KeychainItem.profileToken "eu" "https://gcp-europe-west1.api.carto.com"

[<KeyringFact>]
let ``a service that offers only plain: the session falls back to it, and a secret saved is read back`` () =
    scripted { calm with PlainOnly = true } (fun service keychain ->
        ok (keychain.Save(item, "plain-secret-0009"))
        Assert.Equal(Some "plain-secret-0009", ok (keychain.Find item))

        // Encrypted first; plain only once that was refused.
        let opened = service.Calls |> List.filter (fun c -> c.StartsWith "OpenSession")

        Assert.Equal<string list>(
            [ "OpenSession dh-ietf1024-sha256-aes128-cbc-pkcs7"; "OpenSession plain" ],
            opened |> List.take 2
        )

        Assert.Equal(Some(Encoding.UTF8.GetBytes "plain-secret-0009"), service.Secret))

[<KeyringFact>]
let ``an encrypted session is used whenever the service offers it`` () =
    scripted calm (fun service keychain ->
        ok (keychain.Save(item, "sealed-secret-0010"))
        Assert.Equal(Some "sealed-secret-0010", ok (keychain.Find item))
        Assert.DoesNotContain("OpenSession plain", service.Calls)
        Assert.Equal(Some(Encoding.UTF8.GetBytes "sealed-secret-0010"), service.Secret))

[<KeyringFact>]
let ``a locked item is unlocked when that needs no prompt, and read`` () =
    scripted { calm with Locked = true } (fun service keychain ->
        ok (keychain.Save(item, "locked-secret-0011"))
        Assert.Equal(Some "locked-secret-0011", ok (keychain.Find item))
        Assert.Contains("Unlock", service.Calls))

[<KeyringFact>]
let ``an item removed by another program between the search and the read is no item, and deleting it is done`` () =
    scripted { calm with Vanished = true } (fun service keychain ->
        Assert.Equal(None, ok (keychain.Find item))
        Assert.True(ok (keychain.Delete item))
        // Found by the search, then gone when read; found again, then gone when deleted.
        let asked = service.Calls |> List.filter (fun c -> not (c.StartsWith "OpenSession"))
        Assert.Equal<string list>([ "SearchItems"; "GetSecrets"; "SearchItems"; "Delete" ], asked))

[<KeyringFact>]
let ``a secret that does not decrypt, or is not text, is an item CartoCreds did not write`` () =
    let notOurs script =
        let mutable error = None

        scripted script (fun _ keychain ->
            match (keychain.Find item).Result with
            | Error e -> error <- Some e
            | Ok found -> failwithf "expected an error, got %A" found)

        error

    // 17 bytes: no AES-CBC ciphertext of this session, nor of any.
    match notOurs { calm with Planted = Some(Array.create 17 0x5Auy) } with
    | Some(KeychainError.NotOurs detail) -> Assert.Equal(ForeignItem.DoesNotDecrypt, detail)
    | other -> failwithf "expected NotOurs, got %A" other

    // In a plain session, bytes that are not UTF-8.
    match notOurs { calm with PlainOnly = true; Planted = Some [| 0xC3uy; 0x28uy |] } with
    | Some(KeychainError.NotOurs detail) ->
        Assert.Equal(ForeignItem.NotText, detail)

        Assert.Equal(
            "keychain: an item that CartoCreds did not write (its secret is not text); remove it, or save again",
            ValueMessages.keychainError (KeychainError.NotOurs detail)
        )
    | other -> failwithf "expected NotOurs, got %A" other

[<KeyringFact>]
let ``a reply of another D-Bus signature is an unexpected reply naming the call, on find, save and delete; never thrown``
    ()
    =
    let failing (called: string) (act: IKeychain -> Task<Result<'T, KeychainError>>) =
        scripted { calm with Mangled = Some called } (fun service keychain ->
            service.Holds "a-token-0123456789"

            match (act keychain).Result with
            | Error e -> Assert.Equal(KeychainError.UnexpectedReply called, e)
            | Ok value -> failwithf "expected an error, got %A" value)

    failing "SearchItems" (fun k -> k.Find item)
    failing "OpenSession" (fun k -> k.Find item)
    failing "GetSecrets" (fun k -> k.Find item)
    failing "ReadAlias" (fun k -> k.Save(item, "a-token-0123456789"))
    failing "CreateItem" (fun k -> k.Save(item, "a-token-0123456789"))
    failing "SearchItems" (fun k -> k.Delete item)
    failing "Delete" (fun k -> k.Delete item)

    Assert.Equal(
        "keychain: the reply to GetSecrets is not one the Secret Service API lays out; is another program posing as the keyring? Or use --store file",
        ValueMessages.keychainError (KeychainError.UnexpectedReply "GetSecrets")
    )

/// A host whose store is the keychain, on a bus where the scripted service answers.
let private onScripted (script: Script) (test: Host -> unit) =
    use bus = new Bus(keyring = false)
    use connection = new DBusConnection(bus.Address)
    connection.ConnectAsync().AsTask().Wait(TimeSpan.FromSeconds 10.0) |> ignore
    connection.AddMethodHandler(ScriptedService script)

    connection.RequestNameAsync("org.freedesktop.secrets", RequestNameOptions.Default).Wait(TimeSpan.FromSeconds 10.0)
    |> ignore

    use home = new Sandbox()
    test (home.Host [ "CARTOCREDS_STORE", "keychain"; "DBUS_SESSION_BUS_ADDRESS", bus.Address ])

[<KeyringFact>]
let ``an unreadable reply makes the saved session an absent layer with its reason, and a save a clear error that changes nothing``
    ()
    =
    onScripted { calm with Mangled = Some "SearchItems" } (fun host ->
        match Shell.resolve host (Request.ofArguments Arguments.None) with
        | Error(ResolveError.NotFound(_, absences)) ->
            let reason =
                absences
                |> List.pick (function
                    | Layer.SavedSession, Absence.StoreUnavailable(_, problem) ->
                        Some(ValueMessages.storeProblem problem)
                    | _ -> None)

            Assert.StartsWith("keychain: the reply to SearchItems is not one", reason)
        | other -> failwithf "expected no credentials, got %A" other)

    let credentials =
        Credentials.create
            { Username = Some "alice"
              ApiKey = Some "0123456789abcdef"
              BaseUrl = None
              AllowNonSecure = false }
        |> Result.defaultWith (failwithf "%A")

    onScripted { calm with Mangled = Some "ReadAlias" } (fun host ->
        match Shell.save host None credentials with
        | Error e ->
            Assert.Equal(
                "keychain: the reply to ReadAlias is not one the Secret Service API lays out; is another program posing as the keyring? Or use --store file; nothing was changed",
                ValueMessages.storeError e
            )
        | Ok place -> failwithf "saved to %A" place)

[<KeyringFact>]
let ``with a display, a locked collection is unlocked through the service's prompt, once the person unlocks it`` () =
    scriptedWith
        (Some(TimeSpan.FromSeconds 10.0))
        { calm with Locked = true; Prompt = Some Unlocks }
        (fun service keychain ->
            service.Holds "prompted-secret-0012"
            Assert.Equal(Some "prompted-secret-0012", ok (keychain.Find item))
            Assert.Equal(1, service.Calls |> List.filter ((=) "Prompt") |> List.length))

[<KeyringFact>]
let ``a prompt the person dismisses, or cannot be shown, is 'keychain locked', naming --store file`` () =
    let refused prompt person =
        let mutable outcome = None

        scriptedWith prompt { calm with Locked = true; Prompt = Some person } (fun service keychain ->
            service.Holds "never-read-0013"
            outcome <- Some((keychain.Find item).Result, service.Calls))

        outcome.Value

    match refused (Some(TimeSpan.FromSeconds 10.0)) Dismisses with
    | Error KeychainError.Dismissed, calls ->
        Assert.Contains("Prompt", calls)
        Assert.Contains("--store file", ValueMessages.keychainError KeychainError.Dismissed)
        Assert.StartsWith("keychain locked", ValueMessages.keychainError KeychainError.Dismissed)
    | other -> failwithf "expected Dismissed, got %A" other

    // No display: the prompt is never shown.
    match refused None Unlocks with
    | Error KeychainError.Locked, calls -> Assert.DoesNotContain("Prompt", calls)
    | other -> failwithf "expected Locked, got %A" other

[<KeyringFact>]
let ``a prompt nobody answers is dismissed after its wait, and says so`` () =
    scriptedWith
        (Some(TimeSpan.FromSeconds 1.0))
        { calm with Locked = true; Prompt = Some IsAway }
        (fun service keychain ->
            service.Holds "never-read-0014"
            let clock = Diagnostics.Stopwatch.StartNew()

            match (keychain.Find item).Result with
            | Error(KeychainError.Unanswered seconds as e) ->
                Assert.Equal(1.0, seconds)

                Assert.Equal(
                    "keychain locked: the unlock prompt was not answered within 1 s; unlock the keyring, or use --store file",
                    ValueMessages.keychainError e
                )
            | other -> failwithf "expected Unanswered, got %A" other

            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds 1.0, TimeSpan.FromSeconds 5.0)
            Assert.Contains("Dismiss", service.Calls))
