namespace CartoCreds.Core

/// What the default credentials are set from (SPEC §3).
[<RequireQualifiedAccess>]
type DefaultSource =
    | Values of Arguments
    | File of path: string
    | SavedSession

[<RequireQualifiedAccess>]
module DefaultSource =

    let private isUrl (text: string) =
        text.StartsWith("http://", System.StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("https://", System.StringComparison.OrdinalIgnoreCase)

    let private isJsonPath (text: string) = text.EndsWith(".json", System.StringComparison.OrdinalIgnoreCase)

    let private conflict names =
        Error(
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.Arguments,
                String.concat ", " names,
                LayerProblem.ConflictingArguments names
            )
        )

    /// CARTOframes' `set_default_credentials(first, second)`: `first` is a base URL when it starts
    /// with `http://` or `https://`, a file when it ends in `.json`, otherwise a username; with
    /// nothing given, the saved session.
    let ofArguments
        (first: string option)
        (apiKey: string option)
        (baseUrl: string option)
        (filePath: string option)
        (allowNonSecure: bool)
        : Result<DefaultSource, ResolveError> =
        let first = Input.givenOption first
        let apiKey = Input.givenOption apiKey
        let baseUrl = Input.givenOption baseUrl

        let filePath = Input.givenOption filePath

        let values username url =
            DefaultSource.Values
                { Arguments.None with
                    Username = username
                    ApiKey = apiKey
                    BaseUrl = url
                    AllowNonSecure = allowNonSecure }

        let file = filePath |> Option.orElse (first |> Option.filter (fun f -> isJsonPath f && not (isUrl f)))

        match filePath, first, file with
        | Some _, Some _, _ -> conflict [ "file_path"; "username" ]
        | _, _, Some path ->
            match apiKey, baseUrl with
            | Some _, _ -> conflict [ "file_path"; "api_key" ]
            | _, Some _ -> conflict [ "file_path"; "base_url" ]
            | None, None -> Ok(DefaultSource.File path)
        | _, Some f, None when isUrl f ->
            match baseUrl with
            | Some url when url <> f -> conflict [ "username"; "base_url" ]
            | _ -> Ok(values None (Some f))
        | _, Some name, None -> Ok(values (Some name) baseUrl)
        | _, None, None when baseUrl.IsSome || apiKey.IsSome -> Ok(values None baseUrl)
        | _, None, None -> Ok DefaultSource.SavedSession
