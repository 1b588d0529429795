namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// The notebook tests run one at a time, after the parallel ones: each starts a kernel process that trains models on the
/// two cores. The notebooks write their scenes, models and reports under <c>segml-notebooks</c> in the temporary folder,
/// where <see cref="NotebookWorkFolder"/> also keeps the library's package; it removes all of it when they are done.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection : ICollectionFixture<NotebookWorkFolder>
{
    public const string Name = "Notebooks";
}

/// <summary>The notebooks' working folder and the library's package, deleted after the last notebook test, so the suite leaves no files behind.</summary>
public sealed class NotebookWorkFolder : IDisposable
{
    private readonly Lazy<LibraryPackage> package = new(() => LibraryPackage.Pack(Path));

    public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "segml-notebooks");

    /// <summary>The library's package, packed on first use.</summary>
    internal LibraryPackage Package => package.Value;

    public void Dispose()
    {
        if (package.IsValueCreated) package.Value.ForgetRestores();
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
