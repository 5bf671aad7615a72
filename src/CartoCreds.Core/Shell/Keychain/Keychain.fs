namespace CartoCreds.Core

open System
open System.Threading.Tasks

/// One operating system's credential store, behind one interface (SPEC §11): the Secret Service on
/// Linux, Keychain on macOS, Credential Manager on Windows.
type IKeychain =
    /// The secret of `item`, or `None` when there is no such item.
    abstract Find: item: KeychainItem -> Task<Result<string option, KeychainError>>
    /// Creates `item` with `secret`, or replaces its secret.
    abstract Save: item: KeychainItem * secret: string -> Task<Result<unit, KeychainError>>
    /// Removes `item`; false when there was none.
    abstract Delete: item: KeychainItem -> Task<Result<bool, KeychainError>>
