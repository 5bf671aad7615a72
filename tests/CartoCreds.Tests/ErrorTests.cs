namespace CartoCreds.Tests;

/// <summary>Every error type of SPEC §5 with its message; no message contains a secret key.</summary>
public sealed class ErrorTests
{
    private const string SecretKey = "9f8e7d6c5b4a3210";

    [Fact]
    public void No_layer_present_is_CredentialsNotFoundException_listing_every_layer()
    {
        using var box = new Sandbox();
        var error = Assert.Throws<CredentialsNotFoundException>(() => new Credentials());
        Assert.IsAssignableFrom<InvalidOperationException>(error);
        Assert.Equal(
            string.Join(
                "\n",
                "No CARTO credentials found. Looked in, highest precedence first:",
                "  Explicit: none given",
                "  Arguments: no username or base URL given",
                "  File: none given",
                "  Environment: CARTO_USERNAME and CARTO_BASE_URL not set",
                $"  Saved session: no file at {box.SavedPath}",
                "To save credentials: cartocreds save --username NAME --api-key-stdin, or Save() on a Credentials value; "
                + "or set CARTO_USERNAME (or CARTO_BASE_URL) and CARTO_API_KEY."),
            error.Message);
    }

    [Fact]
    public void An_api_key_alone_is_ArgumentException()
    {
        using var box = new Sandbox();
        var error = Assert.Throws<ArgumentException>(() => new Credentials(apiKey: SecretKey));
        Assert.Equal(
            "Invalid credentials in Arguments (api_key): an API key was given without a username or base URL; give a username or a base URL too.",
            error.Message);
    }

    [Fact]
    public void Key_and_apiKey_that_differ_is_ArgumentException()
    {
        using var box = new Sandbox();
        var error = Assert.Throws<ArgumentException>(() => new Credentials("ana", apiKey: SecretKey, key: SecretKey + "x"));
        Assert.Equal(
            "Invalid credentials in Arguments (api_key, key): api_key and key differ; give only one (key is the CARTOframes 0.x name of api_key).",
            error.Message);
        Assert.DoesNotContain(SecretKey, error.Message);
    }

    [Fact]
    public void A_bad_argument_is_ArgumentException_naming_it()
    {
        using var box = new Sandbox();
        var error = Assert.Throws<ArgumentException>(() => new Credentials(baseUrl: "ftp://ana.carto.com", apiKey: SecretKey));
        Assert.Equal(
            "Invalid credentials in Arguments (api_key, base_url): base URL uses the scheme 'ftp'; use https.",
            error.Message);
    }

    [Fact]
    public void An_invalid_environment_is_InvalidOperationException_naming_the_variable()
    {
        using var box = new Sandbox(("CARTO_API_KEY", SecretKey));
        var error = Assert.Throws<InvalidOperationException>(() => new Credentials());
        Assert.IsNotType<CredentialsNotFoundException>(error);
        Assert.Equal(
            "Invalid credentials in Environment (CARTO_API_KEY): CARTO_API_KEY is set but neither CARTO_USERNAME nor CARTO_BASE_URL is; set one of them too.",
            error.Message);
    }

    [Fact]
    public void A_missing_named_file_is_FileNotFoundException()
    {
        using var box = new Sandbox();
        var path = box.Path("missing.json");
        var error = Assert.Throws<FileNotFoundException>(() => new Credentials(credFile: path));
        Assert.Equal($"Invalid credentials in File ({path}): no such file.", error.Message);
        Assert.Equal(path, error.FileName);
        Assert.Throws<FileNotFoundException>(() => Credentials.FromFile(path));
    }

    [Fact]
    public void FromFile_with_no_saved_session_is_FileNotFoundException()
    {
        using var box = new Sandbox();
        var error = Assert.Throws<FileNotFoundException>(() => Credentials.FromFile());
        Assert.Equal($"Invalid credentials in Saved session ({box.SavedPath}): no such file.", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_credentials_is_InvalidDataException_naming_the_path()
    {
        using var box = new Sandbox();
        var path = box.Path("bad.json");
        box.Write(path, "{\"username\": \"ana\", \"api_key\": \"" + SecretKey + "\",}");
        var error = Assert.Throws<InvalidDataException>(() => new Credentials(credFile: path));
        Assert.Equal($"Invalid credentials in File ({path}): it is not valid JSON (line 1, position 51).", error.Message);

        box.Write(box.SavedPath, "{\"username\": [\"ana\"]}");
        var saved = Assert.Throws<InvalidDataException>(() => new Credentials());
        Assert.Equal($"Invalid credentials in Saved session ({box.SavedPath}): $.username should be a string or null, not an array.", saved.Message);
    }

    [Fact]
    public void A_directory_where_a_file_is_expected_is_IOException_not_InvalidDataException()
    {
        using var box = new Sandbox();
        Directory.CreateDirectory(box.Path("dir.json"));
        var error = Assert.Throws<IOException>(() => Credentials.FromFile(box.Path("dir.json")));
        Assert.IsNotType<InvalidDataException>(error);
        Assert.Equal($"Invalid credentials in File ({box.Path("dir.json")}): it is a directory, not a file.", error.Message);
        Assert.IsNotType<InvalidDataException>(Assert.Throws<IOException>(() => new Credentials(credFile: box.Path("dir.json"))));
    }

    [Fact]
    public void A_save_to_a_directory_is_IOException_and_changes_nothing()
    {
        using var box = new Sandbox();
        Directory.CreateDirectory(box.Path("dir.json"));
        var error = Assert.Throws<IOException>(() => new Credentials("ana").Save(box.Path("dir.json")));
        Assert.Equal($"{box.Path("dir.json")} is a directory, not a credentials file; nothing was changed", error.Message);
        Assert.True(Directory.Exists(box.Path("dir.json")));
    }

    public static TheoryData<string> UrlsHoldingTheKey => new()
    {
        $"http://john.carto.com/api/v2/sql?api_key={SecretKey}",
        $"http://john:{SecretKey}@john.carto.com",
        $"john.carto.com/api/v2/sql?api_key={SecretKey}",
        $"ftp://john.carto.com?api_key={SecretKey}",
        $"https://john.carto.com#{SecretKey}",
        $"https://jo hn.carto.com/{SecretKey}",
    };

    /// <summary>Every text an exception carries: message, parameter name, data, inner exceptions.</summary>
    private static IEnumerable<string> TextsOf(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error.Message;
            yield return error.ToString();
            if (error is ArgumentException argument && argument.ParamName is { } name)
            {
                yield return name;
            }

            foreach (System.Collections.DictionaryEntry entry in error.Data)
            {
                yield return $"{entry.Key}={entry.Value}";
            }
        }
    }

    [Theory]
    [MemberData(nameof(UrlsHoldingTheKey))]
    public void No_exception_about_a_refused_base_url_carries_the_key(string url)
    {
        using var box = new Sandbox();
        var credentials = new Credentials(username: "john");
        var errors = new Exception?[]
        {
            Record.Exception(() => new Credentials(baseUrl: url)),
            Record.Exception(() => credentials.BaseUrl(url)),
            Record.Exception(() => credentials.Set(baseUrl: url)),
            Record.Exception(() => DefaultCredentials.Set(url)),
        };

        foreach (var error in errors)
        {
            Assert.NotNull(error);
            foreach (var text in TextsOf(error))
            {
                Assert.DoesNotContain(SecretKey[..6], text);
            }
        }

        Assert.Equal("https://john.carto.com", credentials.BaseUrl());
    }

    [Fact]
    public void A_credentials_file_over_64_KiB_is_InvalidDataException_naming_the_path_as_SPEC_5_says()
    {
        using var box = new Sandbox();
        var path = box.Path("large.json");
        File.WriteAllText(path, "{\"username\": \"ana\", \"padding\": \"" + new string('x', 70_000) + "\"}");
        var error = Assert.Throws<InvalidDataException>(() => Credentials.FromFile(path));
        Assert.StartsWith("Invalid credentials in File (" + path + "): it is ", error.Message);
        Assert.EndsWith(" bytes; a credentials file is at most 65536 bytes.", error.Message);

        // carto-auth's file keeps the same bound (only the CARTO CLI's may be larger).
        var m2m = box.Path("m2m.json");
        File.WriteAllText(m2m, "{\"client_id\": \"id-1\", \"client_secret\": \"s3cr3t-0001\", \"padding\": \"" + new string('x', 70_000) + "\"}");
        var cloud = Assert.Throws<InvalidDataException>(() => new CloudCredentials(credFile: m2m));
        Assert.EndsWith(" bytes; a credentials file is at most 65536 bytes.", cloud.Message);
        Assert.DoesNotContain("s3cr3t-0001", cloud.Message);
    }

    [Fact]
    public void An_http_base_URL_names_the_facade_parameter_that_allows_it()
    {
        using var box = new Sandbox();
        var error = Assert.Throws<ArgumentException>(() => new Credentials(baseUrl: "http://ana.example.com", apiKey: SecretKey));
        Assert.Equal(
            "Invalid credentials in Arguments (api_key, base_url): base URL 'http://ana.example.com' is not secure (http); "
            + "use https, or allow non-secure URLs (allowNonSecure: true).",
            error.Message);
        var setter = Assert.Throws<ArgumentException>(() => new Credentials(username: "ana").BaseUrl("http://ana.example.com"));
        Assert.Contains("(allowNonSecure: true)", setter.Message);
    }

    [Fact]
    public void A_CARTOframes_file_given_as_CARTO_3_credentials_says_what_it_is_and_what_to_use()
    {
        using var box = new Sandbox();
        var file = Path.Combine(box.Root, "creds.json");
        File.WriteAllText(file, "{\"username\": \"ana\", \"api_key\": \"" + SecretKey + "\"}");
        var error = Assert.Throws<InvalidDataException>(() => new CloudCredentials(credFile: file));
        Assert.Equal(
            "Invalid CARTO 3 credentials in File (" + file + "): it holds legacy CARTO credentials (CARTOframes' username, "
            + "api_key and base_url), not CARTO 3 ones; read it as legacy credentials instead (new Credentials(credFile:) in C#, "
            + "cartocreds show --file).",
            error.Message);
        Assert.DoesNotContain(SecretKey, error.Message);
    }
}
