namespace Segmentation.ML.Tests.Notebooks;

/// <summary>What one code cell did in the kernel: what it showed, what it wrote to the console and its time.</summary>
/// <param name="Id">The cell's id.</param>
/// <param name="Index">Its position among all the notebook's cells, from 1.</param>
/// <param name="Outputs">What it showed, in order.</param>
/// <param name="Console">What it wrote to standard output and error.</param>
/// <param name="Elapsed">Its wall time.</param>
internal sealed record CellRun(string Id, int Index, IReadOnlyList<CellOutput> Outputs, string Console, TimeSpan Elapsed)
{
    /// <summary>The strings the cell showed.</summary>
    public IReadOnlyList<string> Texts => Outputs.Where(o => o.IsString).Select(o => o.Text ?? "").ToList();
}
