namespace CartoCreds.Core

open System
open System.Runtime.InteropServices
open System.Text
open System.Threading.Tasks

module internal CoreFoundation =
    [<Literal>]
    let Library = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"

    [<Literal>]
    let Utf8 = 0x08000100u

    [<DllImport(Library)>]
    extern nativeint CFStringCreateWithCString(nativeint allocator, byte[] text, uint32 encoding)

    [<DllImport(Library)>]
    extern nativeint CFDataCreate(nativeint allocator, byte[] bytes, nativeint length)

    [<DllImport(Library)>]
    extern nativeint CFDataGetLength(nativeint data)

    [<DllImport(Library)>]
    extern nativeint CFDataGetBytePtr(nativeint data)

    [<DllImport(Library)>]
    extern nativeint CFDictionaryCreate(
        nativeint allocator,
        nativeint[] keys,
        nativeint[] values,
        nativeint count,
        nativeint keyCallBacks,
        nativeint valueCallBacks
    )

    [<DllImport(Library)>]
    extern void CFRelease(nativeint object)

module internal Security =
    [<Literal>]
    let Library = "/System/Library/Frameworks/Security.framework/Security"

    [<Literal>]
    let ItemNotFound = -25300

    [<Literal>]
    let InteractionNotAllowed = -25308

    [<DllImport(Library)>]
    extern int SecItemAdd(nativeint attributes, nativeint result)

    [<DllImport(Library)>]
    extern int SecItemCopyMatching(nativeint query, nativeint& result)

    [<DllImport(Library)>]
    extern int SecItemUpdate(nativeint query, nativeint attributes)

    [<DllImport(Library)>]
    extern int SecItemDelete(nativeint query)

/// The exported constants of Security.framework and CoreFoundation that a query names.
type internal MacConstants() =
    let security = NativeLibrary.Load Security.Library
    let foundation = NativeLibrary.Load CoreFoundation.Library
    let value library (name: string) = Marshal.ReadIntPtr(NativeLibrary.GetExport(library, name))

    member val Class = value security "kSecClass"
    member val GenericPassword = value security "kSecClassGenericPassword"
    member val Service = value security "kSecAttrService"
    member val Account = value security "kSecAttrAccount"
    member val Label = value security "kSecAttrLabel"
    member val Data = value security "kSecValueData"
    member val ReturnData = value security "kSecReturnData"
    member val MatchLimit = value security "kSecMatchLimit"
    member val MatchLimitOne = value security "kSecMatchLimitOne"
    member val True = value foundation "kCFBooleanTrue"
    member val KeyCallBacks = NativeLibrary.GetExport(foundation, "kCFTypeDictionaryKeyCallBacks")
    member val ValueCallBacks = NativeLibrary.GetExport(foundation, "kCFTypeDictionaryValueCallBacks")

/// <summary>
/// macOS's keychain: generic passwords through Security.framework (`SecItemAdd`,
/// `SecItemCopyMatching`, `SecItemUpdate`, `SecItemDelete`), in the user's default keychain. An
/// item's service is `cartocreds`, its account `KeychainItem.key` (`legacy-session`, or
/// `profile-token:{profile}`), its label the label.
/// </summary>
type MacKeychain() =

    /// The frameworks' exported constants (`kSecClass`, `kCFBooleanTrue`, …), read when first used.
    static let constants = lazy (MacConstants())

    static let text (value: string) =
        CoreFoundation.CFStringCreateWithCString(0n, Encoding.UTF8.GetBytes(value + "\000"), CoreFoundation.Utf8)

    /// A dictionary of `pairs`; the objects made for it are released with it by the caller.
    static let dictionary (pairs: (nativeint * nativeint) list) =
        let c = constants.Value
        let keys = pairs |> List.map fst |> Array.ofList
        let values = pairs |> List.map snd |> Array.ofList
        CoreFoundation.CFDictionaryCreate(0n, keys, values, nativeint keys.Length, c.KeyCallBacks, c.ValueCallBacks)

    /// Runs `work` with the query that finds `item` (and `more` in it), releasing what was made.
    static let withQuery (item: KeychainItem) (more: (nativeint * nativeint) list) (work: nativeint -> 'T) =
        let c = constants.Value
        let service = text KeychainItem.Service
        let account = text (KeychainItem.key item)

        let query = dictionary ([ c.Class, c.GenericPassword; c.Service, service; c.Account, account ] @ more)

        try
            work query
        finally
            for made in [ query; service; account ] do
                CoreFoundation.CFRelease made

    static let failed operation (status: int) =
        if status = Security.InteractionNotAllowed then
            Error KeychainError.Locked
        else
            Error(KeychainError.Code(operation, KeychainBackend.MacKeychain, status))

    interface IKeychain with
        member _.Find(item) =
            Task.Run(fun () ->
                let c = constants.Value

                withQuery item [ c.ReturnData, c.True; c.MatchLimit, c.MatchLimitOne ] (fun query ->
                    let mutable data = 0n

                    match Security.SecItemCopyMatching(query, &data) with
                    | 0 ->
                        try
                            let bytes = Array.zeroCreate<byte>(int (CoreFoundation.CFDataGetLength data))
                            Marshal.Copy(CoreFoundation.CFDataGetBytePtr data, bytes, 0, bytes.Length)

                            try
                                Ok(Some((UTF8Encoding(false, true)).GetString bytes))
                            with :? DecoderFallbackException ->
                                Error(KeychainError.NotOurs ForeignItem.NotText)
                        finally
                            CoreFoundation.CFRelease data
                    | Security.ItemNotFound -> Ok None
                    | status -> failed "SecItemCopyMatching" status))

        member _.Save(item, secret) =
            Task.Run(fun () ->
                let c = constants.Value
                let bytes = Encoding.UTF8.GetBytes secret
                let data = CoreFoundation.CFDataCreate(0n, bytes, nativeint bytes.Length)
                let label = text (KeychainItem.label item)

                try
                    withQuery item [] (fun query ->
                        let changes = dictionary [ c.Data, data; c.Label, label ]

                        try
                            match Security.SecItemUpdate(query, changes) with
                            | 0 -> Ok()
                            | Security.ItemNotFound ->
                                withQuery item [ c.Data, data; c.Label, label ] (fun added ->
                                    match Security.SecItemAdd(added, 0n) with
                                    | 0 -> Ok()
                                    | status -> failed "SecItemAdd" status)
                            | status -> failed "SecItemUpdate" status
                        finally
                            CoreFoundation.CFRelease changes)
                finally
                    CoreFoundation.CFRelease data
                    CoreFoundation.CFRelease label)

        member _.Delete(item) =
            Task.Run(fun () ->
                withQuery item [] (fun query ->
                    match Security.SecItemDelete query with
                    | 0 -> Ok true
                    | Security.ItemNotFound -> Ok false
                    | status -> failed "SecItemDelete" status))
