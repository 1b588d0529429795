namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// Notebook runs change the process's working directory (to the notebook's folder, as the kernel does), so their
/// tests run alone, after the parallel ones. The notebooks write their scenes, models and reports under
/// <c>segml-notebooks</c> in the temporary folder; <see cref="NotebookWorkFolder"/> removes it when they are done.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection : ICollectionFixture<NotebookWorkFolder>
{
    public const string Name = "Notebooks";
}

/// <summary>The notebooks' working folder, deleted after the last notebook test, so the suite leaves no files behind.</summary>
public sealed class NotebookWorkFolder : IDisposable
{
    public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "segml-notebooks");

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
