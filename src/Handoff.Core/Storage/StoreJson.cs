using System.Text.Json;
using System.Text.Json.Serialization;

namespace Handoff.Core.Storage;

internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
