namespace CartoCreds.Core

open System

/// The CARTO Data Warehouse's project and token (SPEC §7.8), as carto-auth's
/// `get_carto_dw_credentials()` reads them; its expiry when the token carries one (a JWT `exp`).
type DwCredentials =
    { ProjectId: string
      Token: string
      ExpiresOn: DateTimeOffset option }

    /// The token masked: never the secret itself.
    override this.ToString() =
        "DwCredentials(ProjectId = " + this.ProjectId + ", Token = " + Secret.mask this.Token + ")"

/// SPEC §7.8 without I/O: where the CARTO Data Warehouse's credentials are asked, and what the
/// answer means. Errors are §8's verification kinds.
[<RequireQualifiedAccess>]
module DataWarehouse =

    /// `{api_base_url}/v3/connections/carto-dw/token`.
    let url (api: ApiBaseUrl) : string = ApiBaseUrl.value api + "/v3/connections/carto-dw/token"

    let private text (name: string) (root: Json) : string option =
        match Decode.optionalField name Decode.stringOrNumber root with
        | Ok(Some value) -> Input.given value
        | _ -> None

    /// What an answer means: `{"projectId", "token"}`, or the failure. A body without both names
    /// what it lacks, one whose token breaks §7's rule (printable ASCII, no space nor control
    /// character) names the token; the body itself is never repeated (it may hold the token).
    let answer
        (url: string)
        (status: int)
        (retry: TimeSpan option)
        (body: ReadOnlyMemory<byte> option)
        : Result<DwCredentials, VerifyError> =
        let failed failure detail =
            Error(Verification.failedWith Endpoint.DataWarehouse url status retry failure detail)

        match Verification.failureOf status with
        | Some failure -> failed failure None
        | None ->
            match body |> Option.map (Decode.fromBytes Ok) with
            | None -> failed VerifyFailure.UnexpectedAnswer (Some "an answer too large to be credentials")
            | Some(Ok(Json.Object _ as root)) ->
                match text "projectId" root, text "token" root with
                // SPEC §7's rule for every token the library hands out, whoever issued it.
                | Some _, Some token when (Secret.firstRefused token).IsSome ->
                    failed VerifyFailure.UnexpectedAnswer (Some "an answer whose token is not printable ASCII")
                | Some project, Some token -> Ok { ProjectId = project; Token = token; ExpiresOn = Jwt.expiry token }
                | None, Some _ -> failed VerifyFailure.UnexpectedAnswer (Some "an answer without projectId")
                | Some _, None -> failed VerifyFailure.UnexpectedAnswer (Some "an answer without token")
                | None, None -> failed VerifyFailure.UnexpectedAnswer (Some "an answer without projectId and token")
            | Some _ -> failed VerifyFailure.UnexpectedAnswer (Some "an answer that is not a JSON object")
