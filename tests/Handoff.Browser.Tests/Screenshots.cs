namespace Handoff.Browser.Tests;

/// <summary>Where the browser tests put their pictures: <c>artifacts/screenshots/</c> and <c>docs/images/</c> of the repository.</summary>
internal static class Screenshots
{
    /// <summary>The repository root: the nearest folder above the test binaries that holds <c>Handoff.sln</c>.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ArtifactsFolder => Path.Combine(RepositoryRoot, "artifacts", "screenshots");

    public static string DocsFolder => Path.Combine(RepositoryRoot, "docs", "images");

    /// <summary>The artifact path of <paramref name="fileName"/>, its folder created.</summary>
    public static string ArtifactPath(string fileName)
    {
        Directory.CreateDirectory(ArtifactsFolder);
        return Path.Combine(ArtifactsFolder, fileName);
    }

    /// <summary>
    /// Copies artifact screenshots to <c>docs/images/</c>, where the README shows them — only when
    /// <c>HANDOFF_UPDATE_DOCS_IMAGES=1</c>, so an ordinary test run leaves the working tree clean.
    /// </summary>
    public static void PublishToDocs(params string[] fileNames)
    {
        if (Environment.GetEnvironmentVariable("HANDOFF_UPDATE_DOCS_IMAGES") != "1")
        {
            return;
        }

        Directory.CreateDirectory(DocsFolder);
        foreach (var fileName in fileNames)
        {
            File.Copy(Path.Combine(ArtifactsFolder, fileName), Path.Combine(DocsFolder, fileName), overwrite: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Handoff.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Handoff.sln above {AppContext.BaseDirectory}.");
    }
}
