namespace CartoCreds.Core

/// A CARTO API key. Never shown whole except where the user asks for it.
type ApiKey = private ApiKey of string

[<RequireQualifiedAccess>]
module ApiKey =

    /// The public key: read-only access to public data.
    [<Literal>]
    let DefaultPublicText = "default_public"

    let defaultPublic = ApiKey DefaultPublicText

    /// Validates an API key (trimmed first): printable ASCII, nothing else.
    let create (text: string) : Result<ApiKey, ValueError> =
        Secret.validate
            (ValueError.Empty Field.ApiKey)
            (fun kind position -> ValueError.ApiKeyCharacter(kind, position))
            text
        |> Result.map ApiKey

    let value (ApiKey key) = key

    /// `default_public` as is; 12 or more characters: `****` and the last 4; shorter: `****`.
    let mask (ApiKey key) : string = if key = DefaultPublicText then key else Secret.mask key
