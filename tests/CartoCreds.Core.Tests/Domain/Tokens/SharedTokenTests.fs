/// SPEC §7.7's sealed entries without I/O: a token sealed under a client's secret opens under it
/// alone; any change, another secret, another key or format, or garbage opens to nothing; the
/// entry holds neither the token nor the secret.
module CartoCreds.Core.Tests.SharedTokenTests

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

let private endpoint (secret: string) : TokenEndpoint =
    { AuthUrl = serviceUrl "https://auth.carto.com"
      ClientId = cloudText CloudField.ClientId "m2m-client-0001"
      Secret = cloudText CloudField.ClientSecret secret }

let private ours = endpoint "client-secret-0123456789abcdef"

let private token =
    { Value = "sealed-access-token-0123456789abcdef"
      ExpiresOn = Some(DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))
      RefreshOn = Some(DateTimeOffset(2029, 12, 31, 23, 55, 0, TimeSpan.Zero)) }

let private nonce = Array.init SharedToken.NonceSize byte

let private sealedEntry () = SharedToken.seal ours nonce "salt-0001" token

[<Fact>]
let ``a sealed token opens under its client's secret, as it was`` () =
    Assert.Equal(Some token, SharedToken.openEntry ours (sealedEntry ()))
    Assert.Equal(SharedToken.Version, (sealedEntry ())[0])

    // A token that lives 2 minutes keeps the time to replace it that its exchange set (after 1).
    let issued = DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)

    let short =
        { token with
            ExpiresOn = Some(issued.AddSeconds 120.0)
            RefreshOn = Some(TokenExchange.refreshAt issued (Some(issued.AddSeconds 120.0))) }

    Assert.Equal(Some(issued.AddSeconds 60.0), short.RefreshOn)
    Assert.Equal(Some short, SharedToken.openEntry ours (SharedToken.seal ours nonce "salt-0003" short))

[<Fact>]
let ``the key is cartocreds:token: and the disk cache's hash`` () =
    Assert.Equal(
        "cartocreds:token:" + (TokenCache.name ours.Auth ours.ClientId).Replace(".json", ""),
        SharedToken.key ours
    )

    Assert.Matches("^cartocreds:token:[0-9a-f]{16}$", SharedToken.key ours)

[<Fact>]
let ``the entry holds neither the token nor the secret, nor 8 characters of either`` () =
    let text = Encoding.Latin1.GetString(sealedEntry ())

    for secret in [ token.Value; CloudText.value ours.Secret ] do
        for at in 0 .. secret.Length - 8 do
            Assert.DoesNotContain(secret.Substring(at, 8), text)

[<Fact>]
let ``another secret, another client, another format, a short entry or garbage open to nothing`` () =
    let entry = sealedEntry ()
    Assert.Equal(None, SharedToken.openEntry (endpoint "another-secret-0123456789") entry)

    let otherClient = { ours with ClientId = cloudText CloudField.ClientId "m2m-client-0002" }

    Assert.Equal(None, SharedToken.openEntry otherClient entry)
    Assert.Equal(None, SharedToken.openEntry ours (Array.append [| 2uy |] entry[1..]))
    Assert.Equal(None, SharedToken.openEntry ours entry[..28])
    Assert.Equal(None, SharedToken.openEntry ours [||])
    Assert.Equal(None, SharedToken.openEntry ours null)
    Assert.Equal(None, SharedToken.openEntry ours (Encoding.UTF8.GetBytes "{\"access_token\": \"planted\"}"))
    Assert.Equal(None, SharedToken.openEntry ours (Array.zeroCreate (SharedToken.MaxEntry + 1)))

[<Property(MaxTest = 300)>]
let ``any change to any byte of an entry makes it open to nothing`` (at: NonNegativeInt) (bit: byte) =
    let entry = sealedEntry ()
    let flip = if bit = 0uy then 1uy else bit
    let i = at.Get % entry.Length
    entry[i] <- entry[i] ^^^ flip
    SharedToken.openEntry ours entry = None

[<Fact>]
let ``two seals of one token differ by their nonce, and both open`` () =
    let other = SharedToken.seal ours (Array.create SharedToken.NonceSize 7uy) "salt-0002" token
    Assert.NotEqual<byte[]>(sealedEntry (), other)
    Assert.Equal(Some token, SharedToken.openEntry ours other)
    Assert.Throws<ArgumentException>(fun () -> SharedToken.seal ours [| 1uy |] "s" token |> ignore) |> ignore
