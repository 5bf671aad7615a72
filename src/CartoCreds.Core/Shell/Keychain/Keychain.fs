namespace CartoCreds.Core

open System
open System.Threading.Tasks

/// Why the keychain could not be used (SPEC §11): on a save, the error; on a resolve, the reason
/// the layer is absent. None of them holds a secret.
[<RequireQualifiedAccess>]
type KeychainError =
    /// No session bus: `DBUS_SESSION_BUS_ADDRESS` is not set, or nothing answers there.
    | NoSessionBus of detail: string
    /// Nothing on the bus offers the Secret Service (no gnome-keyring, KWallet or KeePassXC).
    | NoService
    /// The collection is locked, and unlocking it needs a prompt that cannot be shown (no display).
    | Locked
    /// The unlock prompt was shown, and the person dismissed it (or the keyring could not show it).
    | Dismissed
    /// The unlock prompt was shown, and nobody answered it within its wait.
    | Unanswered of seconds: float
    /// The store took longer than its bound to answer `operation`.
    | TimedOut of operation: string * seconds: float
    /// An item that CartoCreds did not write as it is: its secret does not decrypt or decode.
    | NotOurs of detail: string
    /// Anything else the store answered, as it said it (terminal-safe).
    | Failed of operation: string * detail: string
    /// A reply to `operation` that is not what the store's protocol lays out (a D-Bus signature
    /// other than the one asked for): not read.
    | UnexpectedReply of operation: string
    /// An item larger than any secret CartoCreds saves: refused, as an oversized file is.
    | TooLarge of size: int64 * limit: int
    /// No keychain on this operating system.
    | Unsupported of platform: string

[<RequireQualifiedAccess>]
module KeychainError =

    /// The error as a person reads it, naming the way out.
    let message (error: KeychainError) =
        match error with
        | KeychainError.NoSessionBus detail ->
            "keychain: no D-Bus session bus ("
            + detail
            + "); log in to a desktop session or start one (dbus-run-session), or use --store file"
        | KeychainError.NoService ->
            "keychain: no Secret Service on the session bus; install and start gnome-keyring, KWallet or KeePassXC, or use --store file"
        | KeychainError.Locked ->
            "keychain locked: unlocking it needs a prompt that cannot be shown here; unlock it (gnome-keyring-daemon --unlock reads the password on stdin) or use --store file"
        | KeychainError.Dismissed ->
            "keychain locked: the unlock prompt was dismissed (or could not be shown); unlock the keyring, or use --store file"
        | KeychainError.Unanswered seconds ->
            "keychain locked: the unlock prompt was not answered within "
            + seconds.ToString("0.#", Globalization.CultureInfo.InvariantCulture)
            + " s; unlock the keyring, or use --store file"
        | KeychainError.TimedOut(operation, seconds) ->
            "keychain: no answer to "
            + operation
            + " within "
            + seconds.ToString("0.#", Globalization.CultureInfo.InvariantCulture)
            + " s; is the keyring daemon hung? Or use --store file"
        | KeychainError.NotOurs detail ->
            "keychain: an item that CartoCreds did not write (" + detail + "); remove it, or save again"
        | KeychainError.Failed(operation, detail) ->
            "keychain: " + operation + " failed: " + Refused.terminalSafe detail
        | KeychainError.UnexpectedReply operation ->
            "keychain: the reply to "
            + operation
            + " is not one the Secret Service API lays out; is another program posing as the keyring? Or use --store file"
        | KeychainError.TooLarge(size, limit) ->
            "keychain: the item is " + string size + " bytes; a keychain item holds at most " + string limit + " bytes"
        | KeychainError.Unsupported platform -> "keychain: not available on " + platform + "; use --store file"

/// One operating system's credential store, behind one interface (SPEC §11): the Secret Service on
/// Linux, Keychain on macOS, Credential Manager on Windows.
type IKeychain =
    /// The secret of `item`, or `None` when there is no such item.
    abstract Find: item: KeychainItem -> Task<Result<string option, KeychainError>>
    /// Creates `item` with `secret`, or replaces its secret.
    abstract Save: item: KeychainItem * secret: string -> Task<Result<unit, KeychainError>>
    /// Removes `item`; false when there was none.
    abstract Delete: item: KeychainItem -> Task<Result<bool, KeychainError>>
