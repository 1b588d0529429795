namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// Notebook runs change the process's working directory (to the notebook's folder, as the kernel does), so their
/// tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "Notebooks";
}
