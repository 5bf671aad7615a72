namespace CartoCreds.Core

open System
open System.Text

/// SPEC §7.4's disk cache of exchanged tokens, without I/O: the file's name, its bytes, and the
/// token in it when it is this server's, client's and secret's.
[<RequireQualifiedAccess>]
module TokenCache =

    /// What names a client's tokens on disk and in a shared cache: the first 16 hex characters of
    /// SHA-256 of `auth_url + "\n" + client_id`.
    let clientHash (authUrl: string) (clientId: CloudText) : string =
        let hash = Sha256.hash (Encoding.UTF8.GetBytes(authUrl + "\n" + CloudText.value clientId))
        Convert.ToHexString(hash).Substring(0, 16).ToLowerInvariant()

    /// The cache file's name: `{clientHash}.json`.
    let name (authUrl: string) (clientId: CloudText) : string = clientHash authUrl clientId + ".json"

    /// SHA-256 of a salt and the secret, in hex: what binds a cache entry to the secret that
    /// obtained it, without keeping the secret.
    let secretHash (salt: string) (secret: CloudText) : string =
        Convert
            .ToHexString(Sha256.hash (Encoding.UTF8.GetBytes(salt + "\n" + CloudText.value secret)))
            .ToLowerInvariant()

    let private seconds (at: DateTimeOffset) = at.ToUnixTimeSeconds()

    /// The cache file's bytes: the token, its expiry and replacement time, whose it is (server and
    /// client), and a salted hash of the secret (`salt` is random, given by the shell).
    let bytes (authUrl: string) (clientId: CloudText) (secret: CloudText) (salt: string) (token: AccessToken) : byte[] =
        Encode.object
            [ "auth_url", Encode.string authUrl
              "client_id", Encode.string (CloudText.value clientId)
              "secret_salt", Encode.string salt
              "secret_hash", Encode.string (secretHash salt secret)
              "access_token", Encode.string token.Value
              "expires_on", Encode.nullable Encode.epochSeconds token.ExpiresOn
              match token.RefreshOn with
              | Some at -> "refresh_on", Encode.epochSeconds at
              | None -> () ]
        |> Encode.toBytes JsonStyle.Compact

    let private instant (name: string) (root: Json) : DateTimeOffset option =
        match Decode.optionalField name Decode.epochSeconds root with
        | Ok at -> at
        | Error _ -> None

    /// <summary>
    /// A cached token, when the file is this server's, this client's and this secret's; anything
    /// else (corrupt, foreign, made with another secret) is `None`, to be replaced. Its expiry is
    /// the earlier of its JWT `exp` and `expires_on`; it is due at `refresh_on` when that comes
    /// before the expiry, as it was when it was exchanged, else `early` before it expires.
    /// </summary>
    let read
        (authUrl: string)
        (clientId: CloudText)
        (secret: CloudText)
        (bytes: ReadOnlyMemory<byte>)
        : AccessToken option =
        match Decode.fromBytes Ok bytes with
        | Ok(Json.Object _ as root) ->
            let field name = TokenExchange.stringField name root

            let ours =
                Option.contains authUrl (field "auth_url")
                && Option.contains (CloudText.value clientId) (field "client_id")
                && match field "secret_salt", field "secret_hash" with
                   | Some salt, Some hash -> hash = secretHash salt secret
                   | _ -> false

            match field "access_token" with
            | Some value when ours && (Secret.firstRefused value).IsNone ->
                let expires = TokenExchange.earliest (Jwt.expiry value) (instant "expires_on" root)
                let latest = TokenExchange.refreshAt DateTimeOffset.MinValue expires

                // The time to replace it that was set when it was exchanged, when it comes before
                // the expiry (a token that lives 2 minutes is due after 1, not 5 minutes before it
                // expires); else 5 minutes before the expiry.
                let refresh =
                    match instant "refresh_on" root, expires with
                    | Some at, Some until when DateTimeOffset.op_LessThan (at, until) -> at
                    | Some at, None -> at
                    | _, Some _ -> latest
                    | None, None -> DateTimeOffset.MinValue // unknown expiry and no time to replace it: due now

                Some { Value = value; ExpiresOn = expires; RefreshOn = Some refresh }
            | _ -> None
        | _ -> None
