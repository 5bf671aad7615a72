namespace CartoCreds.Core

open System
open Microsoft.Extensions.Logging

/// <summary>
/// SPEC §10's log, category `CartoCreds`: Debug, each layer passed over and why; Information, the
/// layer used, a token exchanged, read from the disk cache or replaced early; Warning, a file or
/// cache another user could change, a replacement that failed while the current token is served, a
/// back-off. Each message is made once (`LoggerMessage.Define`), so a disabled level costs a check
/// and nothing else, and nothing is reflected upon (AOT). No message holds a key, token or secret:
/// credentials appear as their masked text, clients by their id, errors by the library's messages.
/// </summary>
[<RequireQualifiedAccess>]
module Log =

    /// The category of every message.
    [<Literal>]
    let Category = "CartoCreds"

    let private event (id: int) (name: string) = EventId(id, name)

    let private layerAbsentMessage =
        LoggerMessage.Define<string, string>(
            LogLevel.Debug,
            event 1 "LayerAbsent",
            "{Layer}: absent, {Reason}; the next layer is tried"
        )

    let private credentialsResolvedMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Information,
            event 2 "CredentialsResolved",
            "Credentials from {Layer} ({Location}): {Credentials}"
        )

    let private resolveFailedMessage =
        LoggerMessage.Define<string>(LogLevel.Debug, event 3 "ResolveFailed", "Resolution failed: {Reason}")

    let private exposedFileMessage =
        LoggerMessage.Define<string>(LogLevel.Warning, event 4 "FileExposed", "{Warning}")

    let private tokenExchangedMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Information,
            event 5 "TokenExchanged",
            "Token exchanged for client {ClientId} at {Server}; it expires at {ExpiresOn}"
        )

    let private tokenFromDiskMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Information,
            event 6 "TokenFromDiskCache",
            "Token for client {ClientId} read from the disk cache {Path}; it expires at {ExpiresOn}"
        )

    let private tokenReplacedMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Information,
            event 7 "TokenReplacedEarly",
            "Token for client {ClientId} replaced before its expiry at {PreviousExpiresOn}; the new one expires at {ExpiresOn}"
        )

    let private replacementFailedMessage =
        LoggerMessage.Define<string, string, string, string>(
            LogLevel.Warning,
            event 8 "ReplacementFailed",
            "Replacing the token for client {ClientId} failed: {Error}; the current token, valid until {ExpiresOn}, is served, and no exchange is tried before {RetryAt}"
        )

    let private backingOffMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Warning,
            event 9 "BackingOff",
            "Token exchange for client {ClientId} refused: {Error}; no exchange is tried before {RetryAt}"
        )

    let private exchangeFailedMessage =
        LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            event 10 "ExchangeFailed",
            "Token exchange for client {ClientId} failed: {Error}"
        )

    let private cacheIgnoredMessage =
        LoggerMessage.Define<string>(LogLevel.Warning, event 11 "CacheIgnored", "{Warning}")

    let private exchangeLockWaitedMessage =
        LoggerMessage.Define<string, string, float>(
            LogLevel.Warning,
            event 13 "ExchangeLockWaited",
            "Token for client {ClientId}: another process held {LockPath} for {Seconds} s; exchanging without it"
        )

    let private tokenFromSharedMessage =
        LoggerMessage.Define<string, string>(
            LogLevel.Information,
            event 14 "TokenFromSharedCache",
            "Token for client {ClientId} read from the shared cache (expires {ExpiresOn})"
        )

    let private sharedCacheFailedMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Warning,
            event 15 "SharedCacheFailed",
            "The shared token cache failed to {Operation} ({Reason}); it is skipped until {RetryAt}"
        )

    let private tokenDroppedMessage =
        LoggerMessage.Define<string>(
            LogLevel.Information,
            event 12 "TokenDropped",
            "Token for client {ClientId} refused by CARTO before its expiry: dropped, the next request exchanges again"
        )

    let private apiTokenCreatedMessage =
        LoggerMessage.Define<string, string, string>(
            LogLevel.Information,
            event 16 "ApiTokenCreated",
            "API Access Token created for connections {Connections}, APIs {Apis}; it expires {ExpiresOn}"
        )

    let private apiTokenDeletedMessage =
        LoggerMessage.Define<string, string>(
            LogLevel.Information,
            event 17 "ApiTokenDeleted",
            "API Access Token {Token} {Outcome}"
        )

    let private apiTokenFailedMessage =
        LoggerMessage.Define<string, string>(
            LogLevel.Warning,
            event 18 "ApiTokenCallFailed",
            "The Tokens API call to {Operation} failed: {Reason}"
        )

    let private at (time: DateTimeOffset) =
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Globalization.CultureInfo.InvariantCulture)

    /// When a token expires, as the messages say it.
    let private expiry (token: AccessToken) =
        match token.ExpiresOn with
        | Some time -> at time
        | None -> "an unknown time"

    let private where (origin: Origin) =
        match origin.Where with
        | "" -> "given as a value"
        | text -> text

    let private warnings (log: ILogger) (list: Warning list) =
        for Warning.Exposed what in list do
            exposedFileMessage.Invoke(log, ValueMessages.exposure what, null)

    /// A resolution of either kind (SPEC §2, §7.2): the layers passed over (Debug), then the layer
    /// used (Information) and its warnings, or the invalid layer that stopped it (Debug: the caller
    /// is told the same as an error; when no layer is present, the layers passed over say it all).
    /// `text` says the credentials with their secrets masked.
    let resolution
        (log: ILogger)
        (text: 'Credentials -> string)
        (passed: (Layer * Absence) list)
        (result: Result<Resolved<'Credentials>, ResolveError>)
        =
        if log.IsEnabled LogLevel.Debug then
            for layer, why in passed do
                layerAbsentMessage.Invoke(log, Layer.name layer, Messages.absence why, null)

        match result with
        | Ok resolved ->
            if log.IsEnabled LogLevel.Information then
                credentialsResolvedMessage.Invoke(
                    log,
                    Layer.name resolved.Origin.Layer,
                    where resolved.Origin,
                    text resolved.Credentials,
                    null
                )

            warnings log resolved.Warnings
        | Error(ResolveError.InvalidLayer _ as error) when log.IsEnabled LogLevel.Debug ->
            resolveFailedMessage.Invoke(log, Messages.resolveError error, null)
        | Error _ -> ()

    /// A token exchanged at `server`; `previous` is the one it replaces early, if one was held.
    let exchanged
        (log: ILogger)
        (clientId: string)
        (server: string)
        (previous: AccessToken option)
        (token: AccessToken)
        =
        if log.IsEnabled LogLevel.Information then
            match previous with
            | Some held -> tokenReplacedMessage.Invoke(log, clientId, expiry held, expiry token, null)
            | None -> tokenExchangedMessage.Invoke(log, clientId, server, expiry token, null)

    /// A token read from the disk cache at `path`.
    let fromDisk (log: ILogger) (clientId: string) (path: string) (token: AccessToken) =
        if log.IsEnabled LogLevel.Information then
            tokenFromDiskMessage.Invoke(log, clientId, path, expiry token, null)

    /// A failed replacement while `current` is still served, until `retryAt`.
    let replacementFailed
        (log: ILogger)
        (clientId: string)
        (error: ExchangeError)
        (current: AccessToken)
        (retryAt: DateTimeOffset)
        =
        if log.IsEnabled LogLevel.Warning then
            replacementFailedMessage.Invoke(
                log,
                clientId,
                CallMessages.exchangeError error,
                expiry current,
                at retryAt,
                null
            )

    /// A back-off with no token to serve, until `retryAt`.
    let backingOff (log: ILogger) (clientId: string) (error: ExchangeError) (retryAt: DateTimeOffset) =
        if log.IsEnabled LogLevel.Warning then
            backingOffMessage.Invoke(log, clientId, CallMessages.exchangeError error, at retryAt, null)

    /// An exchange that failed with no token to serve.
    let exchangeFailed (log: ILogger) (clientId: string) (error: ExchangeError) =
        if log.IsEnabled LogLevel.Warning then
            exchangeFailedMessage.Invoke(log, clientId, CallMessages.exchangeError error, null)

    /// A token cache that another user could have written: neither read nor written.
    let cacheIgnored (log: ILogger) (what: Exposure) =
        if log.IsEnabled LogLevel.Warning then
            cacheIgnoredMessage.Invoke(log, "the token cache is not used: " + ValueMessages.exposure what, null)

    /// Another process held the machine's exchange lock for the whole wait: this one exchanges anyway.
    let exchangeLockWaited (log: ILogger) (clientId: string) (lockPath: string) (waited: TimeSpan) =
        if log.IsEnabled LogLevel.Warning then
            exchangeLockWaitedMessage.Invoke(log, clientId, lockPath, waited.TotalSeconds, null)

    /// A token read from the shared cache (SPEC §7.7).
    let fromShared (log: ILogger) (clientId: string) (token: AccessToken) =
        if log.IsEnabled LogLevel.Information then
            tokenFromSharedMessage.Invoke(log, clientId, expiry token, null)

    /// A call to the shared cache that failed or took too long (`reason`: the exception's type or
    /// the timeout, never its message, which may name a server's address and credentials).
    let sharedCacheFailed (log: ILogger) (operation: string) (reason: string) (retryAt: DateTimeOffset) =
        if log.IsEnabled LogLevel.Warning then
            sharedCacheFailedMessage.Invoke(log, operation, reason, at retryAt, null)

    /// An API Access Token created (SPEC §12): its grants' connections and its APIs, never the token.
    let apiTokenCreated (log: ILogger) (token: ApiToken) =
        if log.IsEnabled LogLevel.Information then
            let connections = token.Grants |> List.map _.Connection |> List.distinct |> String.concat ", "
            let apis = token.Apis |> List.map ApiTokens.apiName |> String.concat ", "

            let expires =
                match token.ExpiresOn with
                | Some time -> "at " + at time
                | None -> "never"

            apiTokenCreatedMessage.Invoke(log, connections, apis, expires, null)

    /// An API Access Token deleted, or found gone: the token masked.
    let apiTokenDeleted (log: ILogger) (token: string) (wasThere: bool) =
        if log.IsEnabled LogLevel.Information then
            apiTokenDeletedMessage.Invoke(
                log,
                Secret.mask token,
                (if wasThere then "deleted" else "was already gone"),
                null
            )

    /// A call to the Tokens API that failed (`operation`: create, list or delete).
    let apiTokenFailed (log: ILogger) (operation: string) (reason: string) =
        if log.IsEnabled LogLevel.Warning then
            apiTokenFailedMessage.Invoke(log, operation, reason, null)

    /// A token the service refused, dropped.
    let dropped (log: ILogger) (clientId: string) = tokenDroppedMessage.Invoke(log, clientId, null)
