/// SPEC §10's activities and metrics, seen by a real `ActivityListener` and `MeterListener`: one
/// activity per exchange and per verification with their tags, the exchange and cache counters,
/// and no secret in any tag. The listeners see the whole process, so these tests run alone.
[<Xunit.Collection("Telemetry")>]
module CartoCreds.Core.Tests.TelemetryTests

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.Diagnostics.Metrics
open System.IO
open System.Net.Http
open System.Threading
open Xunit
open CartoCreds.Core
open CartoCreds.Testing

/// The collection that keeps these tests apart from every other.
[<CollectionDefinition("Telemetry", DisableParallelization = true)>]
type TelemetryCollection() = class end

let private secretText = "s3cr3t-telemetry-0001"

let private ok result =
    match result with
    | Ok value -> value
    | Error e -> failwithf "%A" e

/// What the listeners saw while `run` ran: activities (name and tags), and measurements (instrument, value, tags).
let private observe (run: unit -> unit) =
    let activities = ConcurrentQueue<string * Map<string, string>>()
    let measurements = ConcurrentQueue<string * float * Map<string, string>>()

    use activityListener =
        new ActivityListener(
            ShouldListenTo = (fun source -> source.Name = Telemetry.Name),
            Sample = (fun _ -> ActivitySamplingResult.AllDataAndRecorded),
            ActivityStopped =
                fun activity ->
                    activities.Enqueue(
                        activity.OperationName,
                        activity.Tags |> Seq.map (fun tag -> tag.Key, tag.Value) |> Map.ofSeq
                    )
        )

    ActivitySource.AddActivityListener activityListener
    use meterListener = new MeterListener()

    meterListener.InstrumentPublished <-
        fun instrument listener ->
            if instrument.Meter.Name = Telemetry.Name then
                listener.EnableMeasurementEvents instrument

    let record (instrument: Instrument) (value: float) (tags: Collections.Generic.KeyValuePair<string, obj>[]) =
        let seen = tags |> Array.map (fun tag -> tag.Key, string tag.Value) |> Map.ofArray
        measurements.Enqueue(instrument.Name, value, seen)

    meterListener.SetMeasurementEventCallback<int64>(
        MeasurementCallback<int64>(fun instrument value tags _ -> record instrument (float value) (tags.ToArray()))
    )

    meterListener.SetMeasurementEventCallback<float>(
        MeasurementCallback<float>(fun instrument value tags _ -> record instrument value (tags.ToArray()))
    )

    meterListener.Start()
    run ()
    List.ofSeq activities, List.ofSeq measurements

let private count (name: string) (tag: string * string) measurements =
    measurements
    |> List.filter (fun (n, _, tags: Map<string, string>) -> n = name && tags.TryFind(fst tag) = Some(snd tag))
    |> List.sumBy (fun (_, value, _) -> value)

[<Fact>]
let ``an exchange, a memory hit and a disk hit are counted, and the exchange is an activity with its tags`` () =
    use server = new CartoServer()
    server.Account.ClientSecret <- secretText
    // The library's own layout: `tokens` inside a private directory (one right under /tmp is refused).
    let root = Directory.CreateTempSubdirectory("cartocreds-telemetry-").FullName
    let cache = Directory.CreateDirectory(Path.Combine(root, "tokens")).FullName
    use http = new HttpClient()

    let source () =
        TokenSource(
            { ClientId = ok (CloudText.create CloudField.ClientId server.Account.ClientId)
              Secret = ok (CloudText.create CloudField.ClientSecret secretText)
              AuthUrl = ok (ServiceUrl.create server.Url) },
            Some cache,
            { SessionOptions.Default with
                Http = Some(http)
                Time = Some(TimeProvider.System)
                Timeout = TimeSpan.FromSeconds 10.0 }
        )

    let get (tokens: TokenSource) = tokens.GetAsync(CancellationToken.None).AsTask().Result |> ok

    try
        let activities, measurements =
            observe (fun () ->
                let first = source ()
                get first |> ignore
                get first |> ignore
                // Another process's source: the disk cache.
                get (source ()) |> ignore)

        Assert.Equal(1.0, count "cartocreds.token.exchanges" ("outcome", "success") measurements)
        Assert.Equal(1.0, count "cartocreds.token.cache" ("hit", "miss") measurements)
        Assert.Equal(1.0, count "cartocreds.token.cache" ("hit", "memory") measurements)
        Assert.Equal(1.0, count "cartocreds.token.cache" ("hit", "disk") measurements)

        let durations = measurements |> List.filter (fun (n, _, _) -> n = "cartocreds.token.exchange.duration")

        let _, seconds, _ = Assert.Single durations
        Assert.InRange(seconds, 0.0, 10.0)

        let name, tags = Assert.Single activities
        Assert.Equal("cartocreds.token.exchange", name)
        Assert.Equal(Some "client_credentials", tags.TryFind "carto.auth.kind")
        Assert.Equal(Some "success", tags.TryFind "carto.auth.outcome")
        Assert.Equal(Some "127.0.0.1", tags.TryFind "server.address")

        for value in tags |> Map.toList |> List.map snd do
            Assert.False(value.Contains secretText || value.Contains "stand-in-token", value)
    finally
        Directory.Delete(root, true)

[<Fact>]
let ``a verification is an activity tagged with its kind and outcome, a refused one an error`` () =
    use server = new CartoServer()
    use http = new HttpClient()

    let legacy key =
        ok (
            Credentials.create
                { CredentialsInput.Empty with
                    ApiKey = Some key
                    BaseUrl = Some server.Url
                    AllowNonSecure = true }
        )

    let activities, _ =
        observe (fun () ->
            VerificationHttp.legacy
                http
                (TimeSpan.FromSeconds 10.0)
                (legacy server.Account.ApiKey)
                CancellationToken.None
            |> _.Result
            |> ok
            |> ignore

            match
                (VerificationHttp.legacy
                    http
                    (TimeSpan.FromSeconds 10.0)
                    (legacy "wrong-key-telemetry-0002")
                    CancellationToken.None)
                    .Result
            with
            | Ok _ -> failwith "a wrong key verified"
            | Error _ -> ())

    let verifications = activities |> List.filter (fun (name, _) -> name = "cartocreds.verify")
    Assert.Equal(2, verifications.Length)

    Assert.Equal<string option list>(
        [ Some "verified"; Some "rejected" ],
        verifications |> List.map (fun (_, tags) -> tags.TryFind "carto.auth.outcome")
    )

    for _, tags in verifications do
        Assert.Equal(Some "api_key", tags.TryFind "carto.auth.kind")
        Assert.Equal(Some "127.0.0.1", tags.TryFind "server.address")

        for value in tags |> Map.toList |> List.map snd do
            Assert.False(value.Contains server.Account.ApiKey || value.Contains "wrong-key-telemetry", value)

[<Fact>]
let ``with no listener nothing is made`` () =
    Assert.False(Telemetry.source.HasListeners())
    Assert.Null(Telemetry.source.StartActivity "cartocreds.token.exchange")

[<Fact>]
let ``a Tokens API call is an activity and a count by operation and outcome, with no token in a tag`` () =
    use server = new CartoServer()
    let root = Directory.CreateTempSubdirectory("cartocreds-telemetry-").FullName

    try
        let host = Host.ofVariables [ "HOME", root; "XDG_CONFIG_HOME", root; "CARTO_AUTH_URL", server.Url ]

        let credentials =
            CloudCredentials.ofClientCredentials server.Account.ClientId server.Account.ClientSecret (Some server.Url)
            |> ok

        let session =
            CloudSession.Create(host, credentials, CloudServices.ofVariables host.GetVariable, SessionOptions.Default)

        let request =
            ApiTokens.request
                DateTimeOffset.UtcNow
                { Grants = [ { Connection = "c"; Source = "t" } ]
                  Apis = [ TokenApi.Maps ]
                  Referers = []
                  ExpiresOn = None }
            |> ok

        let mutable made = ""

        let activities, measurements =
            observe (fun () ->
                let token = session.CreateApiTokenAsync(request, CancellationToken.None).Result |> ok
                made <- token.Value
                let value = CloudText.create CloudField.Token token.Value |> ok
                Assert.True(session.DeleteApiTokenAsync(value, CancellationToken.None).Result |> ok)
                Assert.False(session.DeleteApiTokenAsync(value, CancellationToken.None).Result |> ok))

        let tokenCalls = activities |> List.filter (fun (name, _) -> name.StartsWith "cartocreds.api_token.")

        Assert.Equal<string list>(
            [ "cartocreds.api_token.create"; "cartocreds.api_token.delete"; "cartocreds.api_token.delete" ],
            tokenCalls |> List.map fst
        )

        for _, tags in tokenCalls do
            Assert.Equal(Some "client_credentials", tags.TryFind "carto.auth.kind")
            Assert.Equal(Some "127.0.0.1", tags.TryFind "server.address")
            Assert.Equal(Some "success", tags.TryFind "carto.auth.outcome")

            for value in tags.Values do
                Assert.DoesNotContain(made, value)

        Assert.Equal(1.0, count "cartocreds.api_tokens" ("operation", "create") measurements)
        Assert.Equal(2.0, count "cartocreds.api_tokens" ("operation", "delete") measurements)
    finally
        Directory.Delete(root, true)
