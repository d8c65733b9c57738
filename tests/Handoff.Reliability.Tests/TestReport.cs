using Xunit.Abstractions;
using Xunit.Sdk;

namespace Handoff.Reliability.Tests;

/// <summary>
/// Shared by the reliability collection: xunit's diagnostic message sink. With <c>diagnosticMessages</c> on (this project's
/// xunit.runner.json) the VSTest adapter prints each message as a warning line, so it shows in a plain <c>dotnet test</c>.
/// </summary>
public sealed class ReportSink(IMessageSink diagnostics)
{
    public void Send(string text) => diagnostics.OnMessage(new DiagnosticMessage(text));
}

/// <summary>
/// Writes a line to the test's output (ITestOutputHelper: shown with <c>--logger "console;verbosity=detailed"</c>, in
/// test reports and for failed tests), to the console, and as an xunit diagnostic message (shown by plain <c>dotnet test</c>).
/// </summary>
public sealed class TestReport(ITestOutputHelper output, ReportSink sink)
{
    private static readonly Lock ConsoleGate = new();

    public void Line(string text)
    {
        try
        {
            output.WriteLine(text);
        }
        catch (InvalidOperationException)
        {
            // The test has already finished (a late background line); the other two still get it.
        }

        lock (ConsoleGate)
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }

        sink.Send(text);
    }
}
