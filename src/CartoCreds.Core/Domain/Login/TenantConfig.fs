namespace CartoCreds.Core

open System
open YamlDotNet.Core

/// Why the API base URL could not be found as carto-auth finds it (SPEC §7.5).
[<RequireQualifiedAccess>]
type ApiLookupError =
    /// A request to `host` failed.
    | Fetch of host: string * problem: FetchProblem
    /// The accounts service named no `tenant_domain`.
    | NoTenantDomain
    /// The accounts service named a tenant domain that is not a host name (as `Refused.show` shows it).
    | NotAHost of shown: string
    /// The tenant's `config.yaml` has no `apis.baseUrl`.
    | NoBaseUrl
    /// The tenant's `config.yaml` is not YAML.
    | NotYaml of line: int64 * column: int64
    /// The URL found, or the token with it, is not valid.
    | Invalid of CloudValueError list

/// Why one of the login's own requests failed.
and [<RequireQualifiedAccess>] FetchProblem =
    | Redirected
    | Status of status: int
    | TooLarge of limit: int
    | Failed of detail: string
    | TimedOut of seconds: float

/// A tenant's `config.yaml` (SPEC §7.5): where carto-auth finds a logged-in person's API base URL,
/// `apis.baseUrl`. Read with YamlDotNet's parser (no reflection, AOT-safe). Pure.
[<RequireQualifiedAccess>]
module TenantConfig =

    /// The most of a `config.yaml` that is read.
    [<Literal>]
    let MaxSize = 65536

    /// `https://{tenant_domain}/config.yaml`; `http` for a loopback tenant (a stand-in), as
    /// `allow_non_secure` is needed for any other.
    let url (tenantDomain: string) : Result<Uri, ApiLookupError> =
        let shown = Refused.show tenantDomain |> Option.defaultValue "…"

        match Uri.TryCreate("https://" + tenantDomain + "/config.yaml", UriKind.Absolute) with
        | true, uri when uri.Host <> "" && uri.AbsolutePath = "/config.yaml" && uri.Query = "" && uri.UserInfo = "" ->
            if uri.IsLoopback then
                Ok(UriBuilder(uri, Scheme = "http", Port = uri.Port).Uri)
            else
                Ok uri
        | _ -> Error(ApiLookupError.NotAHost shown)

    /// A YAML node as far as a path needs it: a mapping keeps every pair in order, a key given
    /// twice included, so that the last one is read, as carto-auth's parser (PyYAML) reads it.
    /// YamlDotNet's representation model refuses a repeated key; its parser's events do not.
    type private Node =
        | Scalar of string
        | Mapping of (Node * Node) list
        | Other

    /// The node at the parser's event, and the parser moved past it.
    let rec private node (parser: IParser) : Node =
        match parser.Current with
        | :? Events.Scalar as scalar ->
            parser.MoveNext() |> ignore
            Scalar scalar.Value
        | :? Events.MappingStart ->
            parser.MoveNext() |> ignore
            let pairs = ResizeArray()

            while not (parser.Current :? Events.MappingEnd) do
                let key = node parser
                pairs.Add((key, node parser))

            parser.MoveNext() |> ignore
            Mapping(List.ofSeq pairs)
        | :? Events.SequenceStart ->
            parser.MoveNext() |> ignore

            while not (parser.Current :? Events.SequenceEnd) do
                node parser |> ignore

            parser.MoveNext() |> ignore
            Other
        | _ ->
            parser.MoveNext() |> ignore
            Other

    /// The first document's root node, when there is one.
    let private root (text: string) : Node option =
        let parser = Parser(new IO.StringReader(text))

        let rec document () =
            if not (parser.MoveNext()) then
                None
            elif parser.Current :? Events.DocumentStart then
                parser.MoveNext() |> ignore
                Some(node parser)
            else
                document ()

        document ()

    /// The scalar at `path` of a mapping, when it is one; of a key given twice, the last.
    let rec private at (path: string list) (node: Node) : string option =
        match path, node with
        | [], Scalar value -> Some value
        | key :: rest, Mapping pairs ->
            pairs
            |> List.tryFindBack (fun (name, _) -> name = Scalar key)
            |> Option.bind (fun (_, value) -> at rest value)
        | _ -> None

    /// `apis.baseUrl` of the file, or why there is none.
    let apiBaseUrl (text: string) : Result<string, ApiLookupError> =
        try
            match root text |> Option.bind (at [ "apis"; "baseUrl" ]) with
            | Some url when not (String.IsNullOrWhiteSpace url) -> Ok(url.Trim())
            | _ -> Error ApiLookupError.NoBaseUrl
        with :? YamlException as e ->
            Error(ApiLookupError.NotYaml(e.Start.Line, e.Start.Column))
