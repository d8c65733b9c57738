using Microsoft.Extensions.Configuration;

namespace Handoff.Testing;

/// <summary>An in-memory configuration source whose every <see cref="Change"/> is a reload, as an edit of a watched file is.</summary>
public sealed class ReloadableConfiguration : ConfigurationProvider, IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public void Change(string key, string? value)
    {
        Data[key] = value;
        OnReload();
    }
}
