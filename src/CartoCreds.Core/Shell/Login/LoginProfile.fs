namespace CartoCreds.Core

open System
open System.Net.Http
open System.Threading
open System.Threading.Tasks
open Microsoft.Extensions.Logging.Abstractions

/// How the authorization code reaches the login (SPEC §7.5).
[<RequireQualifiedAccess>]
type CodeReceipt =
    /// The browser brings it to a listener on loopback, `http://localhost:{port}/callback/`.
    | Listener of port: int
    /// The person pastes what CARTO shows at `OAuthLogin.CodeRedirect` (no listener, no local
    /// browser needed): the code, or the whole URL. `read` is given the authorize URL; its `None`
    /// cancels the login (Ctrl-D).
    | Pasted of read: (Uri -> CancellationToken -> Task<string option>)

/// What a login is asked to do (SPEC §7.5).
type LoginRequest =
    {
        /// The profile to save as; the CARTO CLI file's current one, else `default`.
        Profile: string option
        /// The organization, for single sign-on.
        Organization: string option
        /// How the code comes back.
        Receipt: CodeReceipt
        /// How long the person has, from the URL shown to the callback.
        Timeout: TimeSpan
        /// How long each request the login makes on its own may take (the code exchange, the
        /// accounts service, the tenant's config.yaml).
        RequestTimeout: TimeSpan
        /// The API base URL, when given (`--api-base-url`, `--tenant-id`); else the tenant's.
        ApiBaseUrl: ApiBaseUrl option
        /// The CARTO CLI file; `~/.carto_credentials.json` when none.
        CliFile: string option
        /// Whether the token is saved as a profile.
        Save: bool
        /// Shows the authorize URL to the person (a browser, a notebook's link). It is also given
        /// to `Show`, so a URL that no browser opened can still be followed.
        OpenBrowser: Uri -> CancellationToken -> Task
        /// Says the URL (the tool: on stderr).
        Show: Uri -> unit
    }

/// A login that succeeded: the credentials, where they were saved, and whose they are.
type LoggedIn =
    {
        Credentials: CloudCredentials
        ExpiresOn: DateTimeOffset option
        /// The CARTO CLI file and the profile, when saved.
        Saved: (string * string) option
        Email: string option
        TenantDomain: string option
        /// The services the login used, for a session of its credentials.
        Services: CloudServices
    }

    /// The credentials with the services the login used and their origin: the profile of the
    /// CARTO CLI file they were saved as, or, when not saved, handed over in code.
    member this.Resolution: CloudResolution =
        let resolved =
            match this.Saved with
            | Some(path, profile) ->
                { Credentials = this.Credentials
                  Origin = { Layer = Layer.SavedSession; Location = Some path; Profile = Some profile }
                  Warnings = [] }
            | None -> Resolved.explicitly this.Credentials

        { Resolved = resolved; Services = this.Services }

/// What a login has reached when its code was exchanged: the client it uses, the services it
/// was started with, the token and the API base URL found for it.
type LoginReached =
    { Client: HttpClient
      Services: CloudServices
      Token: AccessToken
      ApiBaseUrl: ApiBaseUrl }

/// The end of a login (SPEC §7.5): the new token verified (whose account it is), then saved as a
/// profile with the keys the CARTO CLI writes (`token`, `tenant_domain`, `user_email`,
/// `expires_at`, and `tenant_id` or `api_base_url`).
[<RequireQualifiedAccess>]
module LoginProfile =

    /// The profile's keys beyond the token and its API base URL.
    let extra (identity: Identity) (expiresOn: DateTimeOffset option) : (string * Json) list =
        [ identity.TenantDomain |> Option.map (fun d -> "tenant_domain", Json.String d)
          identity.Email |> Option.map (fun e -> "user_email", Json.String e)
          expiresOn
          |> Option.map (fun at ->
              "expires_at",
              Json.String(
                  at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture)
              )) ]
        |> List.choose id

    /// Verifies the token at the accounts service, then saves it when asked.
    let finish
        (host: Host)
        (request: LoginRequest)
        (reached: LoginReached)
        (cancel: CancellationToken)
        : Task<Result<LoggedIn, LoginError>> =
        let token = reached.Token

        taskResult {
            let! credentials =
                CloudCredentials.ofToken token.Value (Some(ApiBaseUrl.value reached.ApiBaseUrl))
                |> Result.mapError (ApiLookupError.Invalid >> LoginError.ApiBaseUrl)

            let options = { SessionOptions.Default with Http = Some reached.Client }
            let session = CloudSession.Create(host, credentials, Ok reached.Services, options)
            let! verified = session.VerifyAsync(session.Timeout, cancel) |> TaskResult.mapError LoginError.Service
            let! identity = verified |> Result.mapError LoginError.Account

            let! saved =
                if request.Save then
                    ProfileTokens.saveWith
                        (extra identity token.ExpiresOn)
                        host
                        request.Profile
                        request.CliFile
                        credentials
                    |> Result.map Some
                    |> Result.mapError LoginError.Save
                else
                    Ok None

            return
                { Credentials = credentials
                  ExpiresOn = token.ExpiresOn
                  Saved = saved
                  Email = identity.Email
                  TenantDomain = identity.TenantDomain
                  Services = reached.Services }
        }
