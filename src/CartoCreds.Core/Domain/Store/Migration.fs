namespace CartoCreds.Core

/// What SPEC §11's migration moves: the legacy saved session, and the tokens of the CARTO CLI
/// file's profiles.
[<RequireQualifiedAccess>]
type Migrated =
    | Session
    | Tokens

/// Why a migration between stores stopped before the setting changed: nothing was removed from
/// where it was, and the setting still names the old store.
[<RequireQualifiedAccess>]
type MigrationError =
    /// The keychain, or the store setting, could not be used.
    | Store of StoreProblem
    /// The CARTO CLI file could not be read or written.
    | Profiles of ProfileError
    /// The file at `path` is not a CARTO CLI credentials file.
    | NotACliFile of path: string
    /// The saved session's file is not one CartoCreds reads, so it is not carried over.
    | NotASession of DecodeError
    /// Where the saved session is could not be read.
    | Unreadable of place: Place * problem: ReadError
    /// The new place could not be written; what was there stays where it was.
    | NotWritten of problem: MigrationError * stays: Place
    /// The new place did not give back what was written; what was there stays where it was.
    | NotGivenBack of what: Migrated * place: Place * stays: Place
    /// The setting could not be written.
    | Setting of StoreError

/// What a migration did: what it moved from where to where, the setting it wrote, and what it
/// could not clear from the old place once the setting named the new one (a copy left behind).
type MigrationReport =
    {
        Target: SecretStore
        /// The saved session, from and to; `None` when there was none.
        Session: (Place * Place) option
        /// The profiles whose tokens moved, from and to.
        Tokens: string list * Place * Place
        /// The setting's file.
        SettingPath: string
        /// What was copied but could not be removed from the old place.
        LeftBehind: (Migrated * MigrationError) list
    }

/// SPEC §11's migration, as a plan: copy each kind of secret to the new store and read it back,
/// then write the setting, then clear the old place. A step that fails before the setting stops
/// the migration with nothing removed; one after it leaves a copy, and says so.
[<RequireQualifiedAccess>]
module Migration =

    /// The store a migration to `target` moves from.
    let source (target: SecretStore) =
        match target with
        | SecretStore.File -> SecretStore.Keychain
        | SecretStore.Keychain -> SecretStore.File

    /// The report's exit: success when nothing was left behind.
    let complete (report: MigrationReport) = List.isEmpty report.LeftBehind
