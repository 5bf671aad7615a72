using System.Runtime.CompilerServices;
using CartoCreds.Core;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>
/// An <see cref="IDistributedCache"/> as the core's <c>SharedStore</c> (SPEC §7.7): one per cache
/// object, so that every credentials value using a cache shares what the core knows of it (that it
/// failed, and is skipped for a while).
/// </summary>
internal static class SharedStores
{
    private static readonly ConditionalWeakTable<IDistributedCache, SharedStore> Stores = new();

    public static SharedStore For(IDistributedCache cache) => Stores.GetValue(cache, Make);

    private static SharedStore Make(IDistributedCache cache) =>
        new(
            FuncConvert.FromFunc<string, CancellationToken, Task<byte[]>>(async (key, cancel) =>
                await cache.GetAsync(key, cancel).ConfigureAwait(false) ?? null!),
            FuncConvert.FromFunc<string, byte[], DateTimeOffset, CancellationToken, Task>((key, entry, expires, cancel) =>
                cache.SetAsync(key, entry, new DistributedCacheEntryOptions { AbsoluteExpiration = expires }, cancel)));
}
