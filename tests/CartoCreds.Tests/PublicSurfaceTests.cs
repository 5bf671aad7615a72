using System.Reflection;

namespace CartoCreds.Tests;

/// <summary>Keeps the facade honest: C# callers see C# shapes, with SPEC §5's names.</summary>
public sealed class PublicSurfaceTests
{
    private static readonly Assembly Facade = typeof(Credentials).Assembly;

    private static IEnumerable<MemberInfo> PublicMembers() =>
        Facade.GetExportedTypes().SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Append(t));

    private static IEnumerable<Type> TypesIn(MemberInfo member) => member switch
    {
        MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
        ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
        PropertyInfo p => [p.PropertyType],
        FieldInfo f => [f.FieldType],
        EventInfo e => [e.EventHandlerType!],
        Type t => t.GetInterfaces().Append(t.BaseType ?? typeof(object)),
        _ => [],
    };

    private static IEnumerable<Type> Expand(Type type) =>
        type.HasElementType ? Expand(type.GetElementType()!).Prepend(type)
        : type.IsGenericType ? type.GetGenericArguments().SelectMany(Expand).Prepend(type)
        : [type];

    [Fact]
    public void No_FSharp_type_appears_in_any_public_signature()
    {
        var offenders = PublicMembers()
            .SelectMany(m => TypesIn(m).SelectMany(Expand).Select(t => (Member: m, Type: t)))
            .Where(x => x.Type.Assembly.GetName().Name is "FSharp.Core" or "CartoCreds.Core")
            .Select(x => $"{x.Member.DeclaringType?.Name}.{x.Member.Name}: {x.Type}")
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void The_check_above_can_see_an_FSharp_type()
    {
        var probe = typeof(Microsoft.FSharp.Core.FSharpOption<string>);
        Assert.Contains(Expand(typeof(List<>).MakeGenericType(probe)), t => t.Assembly.GetName().Name == "FSharp.Core");
    }

    [Fact]
    public void Every_public_name_is_PascalCase()
    {
        var bad = PublicMembers()
            .Where(m => m is not ConstructorInfo && !(m is MethodInfo { IsSpecialName: true }) && !(m is FieldInfo { IsSpecialName: true }))
            .Where(m => !m.Name.Contains('<')) // compiler-generated (a record's clone method)
            .Select(m => m.Name)
            .Where(name => !char.IsUpper(name[0]) || name.Contains('_'))
            .Distinct()
            .ToList();

        Assert.Empty(bad);
    }

    [Fact]
    public void The_facade_has_SPEC_5s_5_2s_and_12s_types()
    {
        var names = Facade.GetExportedTypes().Select(t => t.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "ApiAccessToken", "ApiAccessTokenBroker", "ApiAccessTokenRequest",
                "CartoAccessToken", "CartoApi", "CartoApiException", "CartoApiFailure", "CartoAuthenticationHandler", "CartoDwCredentials", "CartoGrant", "CartoIdentity", "CartoLoginException", "CartoTokenException",
                "CartoVerificationException", "CartoVerificationFailure", "CloudCredentials", "CloudCredentialsKind",
                "CloudLoginOptions", "CloudProfile", "CloudProfiles",
                "CredentialScope", "Credentials", "CredentialsLayer", "CredentialsNotFoundException", "CredentialsOrigin",
                "DefaultCredentials", "ICartoAuthenticator",
            ],
            names);
    }

    [Fact]
    public void The_layers_are_the_cores_in_its_order_and_with_its_ids()
    {
        var core = Core.LayerModule.all.Select(Core.LayerModule.id).ToArray();
        Assert.Equal(core, Enum.GetNames<CredentialsLayer>());
        Assert.Equal(Enumerable.Range(0, core.Length), Enum.GetValues<CredentialsLayer>().Select(v => (int)v));
    }

    [Fact]
    public void An_origin_reads_as_every_message_says_it()
    {
        Assert.Equal("Saved session (/home/ana/.config/cartoframes/creds.json)", new CredentialsOrigin(CredentialsLayer.SavedSession, "/home/ana/.config/cartoframes/creds.json").ToString());
        Assert.Equal("Arguments (username, api_key)", new CredentialsOrigin(CredentialsLayer.Arguments, "username, api_key").ToString());
        Assert.Equal("Explicit", new CredentialsOrigin(CredentialsLayer.Explicit, null).ToString());
    }
}
