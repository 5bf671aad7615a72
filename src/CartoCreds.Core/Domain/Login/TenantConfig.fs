namespace CartoCreds.Core

open System
open YamlDotNet.Core
open YamlDotNet.RepresentationModel

/// A tenant's `config.yaml` (SPEC §7.5): where carto-auth finds a logged-in person's API base URL,
/// `apis.baseUrl`. Read with YamlDotNet's representation model (no reflection, AOT-safe). Pure.
[<RequireQualifiedAccess>]
module TenantConfig =

    /// The most of a `config.yaml` that is read.
    [<Literal>]
    let MaxSize = 65536

    /// `https://{tenant_domain}/config.yaml`; `http` for a loopback tenant (a stand-in), as
    /// `allow_non_secure` is needed for any other.
    let url (tenantDomain: string) : Result<Uri, string> =
        let shown = Refused.show tenantDomain |> Option.defaultValue "…"

        match Uri.TryCreate("https://" + tenantDomain + "/config.yaml", UriKind.Absolute) with
        | true, uri when uri.Host <> "" && uri.AbsolutePath = "/config.yaml" && uri.Query = "" && uri.UserInfo = "" ->
            if uri.IsLoopback then
                Ok(UriBuilder(uri, Scheme = "http", Port = uri.Port).Uri)
            else
                Ok uri
        | _ -> Error("the accounts service named the tenant domain '" + shown + "', which is not a host name")

    /// The scalar at `path` of a mapping, when it is one.
    let rec private at (path: string list) (node: YamlNode) : string option =
        match path, node with
        | [], (:? YamlScalarNode as scalar) -> Option.ofObj scalar.Value
        | key :: rest, (:? YamlMappingNode as mapping) ->
            mapping.Children
            |> Seq.tryFindBack (fun pair ->
                match pair.Key with
                | :? YamlScalarNode as name -> name.Value = key
                | _ -> false)
            |> Option.bind (fun pair -> at rest pair.Value)
        | _ -> None

    /// `apis.baseUrl` of the file, or why there is none (terminal-safe).
    let apiBaseUrl (text: string) : Result<string, string> =
        try
            let stream = YamlStream()
            stream.Load(new IO.StringReader(text))

            match
                stream.Documents
                |> Seq.tryHead
                |> Option.bind (fun document -> at [ "apis"; "baseUrl" ] document.RootNode)
            with
            | Some url when not (String.IsNullOrWhiteSpace url) -> Ok(url.Trim())
            | _ -> Error "the tenant's config.yaml has no apis.baseUrl"
        with :? YamlException as e ->
            Error(
                "the tenant's config.yaml is not YAML (line "
                + string e.Start.Line
                + ", column "
                + string e.Start.Column
                + ")"
            )
