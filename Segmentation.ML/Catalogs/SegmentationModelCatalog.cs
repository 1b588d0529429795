using Segmentation.ML.IO;

namespace Microsoft.ML;

/// <summary>Saving models on <see cref="MLContext.Model"/> without leaving partial files behind.</summary>
public static class SegmentationModelCatalog
{
    /// <summary>
    /// <c>Model.Save</c>, made atomic (<see cref="AtomicFile"/>): the zip is written to a temporary file beside
    /// <paramref name="filePath"/> and moved into place only when complete, so a failed or interrupted save leaves the
    /// previous file (if any) and no partial one. ML.NET's own <c>Save</c> leaves a partial zip when a step fails.
    /// Temporary files of saves that were killed are removed by the next save to the same path.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be written (the message names <paramref name="filePath"/>).</exception>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(filePath, stream => catalog.Save(model, inputSchema, stream), removeStale: true);
    }
}
