namespace CartoCreds.Core

open System

/// The raw input of a credentials value: not yet validated; `Credentials.create` validates it and applies the defaults.
type CredentialsInput =
    { Username: string option
      ApiKey: string option
      BaseUrl: string option
      AllowNonSecure: bool }

    static member Empty = { Username = None; ApiKey = None; BaseUrl = None; AllowNonSecure = false }

/// A CARTO account's credentials (SPEC §1): valid by construction, compared on all four fields.
/// The text form masks the key, so printing a value never reveals it.
[<StructuredFormatDisplay("{Text}")>]
type Credentials =
    private
        { username: Username option
          apiKey: ApiKey
          baseUrl: BaseUrl
          allowNonSecure: bool }

    member this.Username = this.username
    member this.ApiKey = this.apiKey
    member this.BaseUrl = this.baseUrl
    member this.AllowNonSecure = this.allowNonSecure

    /// `Credentials(username=U, api_key=K, base_url=B)` with the key masked.
    member this.Text =
        let user =
            match this.username with
            | Some u -> Username.value u
            | None -> "None"

        "Credentials(username="
        + user
        + ", api_key="
        + (ApiKey.mask this.apiKey)
        + ", base_url="
        + (BaseUrl.value this.baseUrl)
        + ")"

    override this.ToString() = this.Text

[<RequireQualifiedAccess>]
module Credentials =

    /// The username a base URL names, first match wins: `/u/{name}` (organization),
    /// `/user/{name}` (on-premises), `{name}.carto.com` (cloud); otherwise none.
    let private usernameOf (baseUrl: BaseUrl) : Username option =
        let url = BaseUrl.value baseUrl
        let hostStart = url.IndexOf("://", StringComparison.Ordinal) + 3

        let pathStart =
            match url.IndexOf('/', hostStart) with
            | -1 -> url.Length
            | i -> i

        let afterPrefix (prefix: string) =
            if String.CompareOrdinal(url, pathStart, prefix, 0, prefix.Length) = 0 then
                let start = pathStart + prefix.Length

                let finish =
                    match url.IndexOf('/', start) with
                    | -1 -> url.Length
                    | i -> i

                Some(url.Substring(start, finish - start))
            else
                None

        let cloudName () =
            let host = url.AsSpan(hostStart, pathStart - hostStart)

            let host =
                match host.LastIndexOf ':' with
                | -1 -> host
                | i -> host.Slice(0, i)

            if
                host.EndsWith(BaseUrl.cloudSuffix, StringComparison.Ordinal)
                && host.IndexOf '.' = host.Length - BaseUrl.cloudSuffix.Length
            then
                Some(host.Slice(0, host.Length - BaseUrl.cloudSuffix.Length).ToString())
            else
                None

        let valid =
            Option.bind (fun name ->
                match Username.create name with
                | Ok username -> Some username
                | Error _ -> None)

        valid (afterPrefix "/u/")
        |> Option.orElseWith (fun () -> valid (afterPrefix "/user/"))
        |> Option.orElseWith (cloudName >> valid)

    let private optional (create: string -> Result<'T, ValueError>) (text: string option) =
        match Input.givenOption text with
        | None -> Ok None
        | Some t -> create t |> Result.map Some

    let private errors (result: Result<_, ValueError>) =
        match result with
        | Ok _ -> []
        | Error e -> [ e ]

    let private build username apiKey baseUrl allowNonSecure =
        { username = username
          apiKey = apiKey
          baseUrl = baseUrl
          allowNonSecure = allowNonSecure }

    /// <summary>
    /// Validates every field and applies SPEC §1's defaults: the key defaults to
    /// <c>default_public</c>, a missing base URL is built from the username, a missing username is
    /// derived from the base URL. Reports every invalid field at once.
    /// </summary>
    /// <example>
    /// <code>
    /// Credentials.create { CredentialsInput.Empty with BaseUrl = Some "https://team.carto.com/u/ana" }
    /// // Ok: username ana, key default_public, base URL https://team.carto.com/u/ana
    /// </code>
    /// </example>
    let create (input: CredentialsInput) : Result<Credentials, ValueError list> =
        let username = optional Username.create input.Username
        let apiKey = optional ApiKey.create input.ApiKey
        let baseUrl = optional (BaseUrl.create input.AllowNonSecure) input.BaseUrl

        match username, apiKey, baseUrl with
        | Ok None, Ok _, Ok None -> Error [ ValueError.UsernameOrBaseUrlMissing ]
        | Ok user, Ok key, Ok url ->
            let url = url |> Option.defaultWith (fun () -> BaseUrl.ofUsername user.Value)
            let user = user |> Option.orElseWith (fun () -> usernameOf url)
            Ok(build user (Option.defaultValue ApiKey.defaultPublic key) url input.AllowNonSecure)
        | _ -> Error(errors username @ errors apiKey @ errors baseUrl)

    /// The same credentials with another API key.
    let withApiKey (key: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        ApiKey.create key |> Result.map (fun k -> { credentials with apiKey = k })

    /// The same credentials with another username; the base URL is left as it is.
    let withUsername (username: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        Username.create username |> Result.map (fun u -> { credentials with username = Some u })

    /// The same credentials with another base URL; the username is left as it is.
    let withBaseUrl (baseUrl: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        BaseUrl.create credentials.allowNonSecure baseUrl |> Result.map (fun u -> { credentials with baseUrl = u })

    /// CARTOframes' `set`: omitted (`None`) fields keep their values; a new username without a
    /// new base URL rebuilds the base URL from the username. Nothing changes unless all are valid.
    let update
        (apiKey: string option)
        (username: string option)
        (baseUrl: string option)
        (credentials: Credentials)
        : Result<Credentials, ValueError list> =
        let newKey = optional ApiKey.create apiKey
        let newUser = optional Username.create username
        let newUrl = optional (BaseUrl.create credentials.allowNonSecure) baseUrl

        match newKey, newUser, newUrl with
        | Ok key, Ok user, Ok url ->
            let url =
                match url, user with
                | Some u, _ -> u
                | None, Some u -> BaseUrl.ofUsername u
                | None, None -> credentials.baseUrl

            Ok
                { credentials with
                    apiKey = Option.defaultValue credentials.apiKey key
                    username = Option.orElse credentials.username user
                    baseUrl = url }
        | _ -> Error(errors newKey @ errors newUser @ errors newUrl)

    /// The raw input that recreates these credentials.
    let toInput (credentials: Credentials) : CredentialsInput =
        { Username = credentials.username |> Option.map Username.value
          ApiKey = Some(ApiKey.value credentials.apiKey)
          BaseUrl = Some(BaseUrl.value credentials.baseUrl)
          AllowNonSecure = credentials.allowNonSecure }
