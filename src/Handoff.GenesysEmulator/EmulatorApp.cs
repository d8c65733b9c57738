namespace Handoff.GenesysEmulator;

/// <summary>
/// Marker type for <c>WebApplicationFactory&lt;EmulatorApp&gt;</c>. Test projects that reference two web apps cannot
/// name <c>Program</c> unambiguously, so they use this type to point the factory at the emulator's assembly.
/// </summary>
public sealed class EmulatorApp
{
    private EmulatorApp()
    {
    }
}
