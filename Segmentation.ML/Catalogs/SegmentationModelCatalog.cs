namespace Microsoft.ML;

/// <summary>Saving models on <see cref="MLContext.Model"/> without leaving partial files behind.</summary>
public static class SegmentationModelCatalog
{
    private const string TemporarySuffix = ".segml-tmp";

    /// <summary>
    /// <c>Model.Save</c>, made atomic: the zip is written to a temporary file beside <paramref name="filePath"/> and
    /// moved into place only when complete, so a failed or interrupted save leaves the previous file (if any) and
    /// no partial one. ML.NET's own <c>Save</c> leaves a partial zip when a step fails. Temporary files of saves
    /// that were killed are removed by the next save to the same path.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be written (the message names <paramref name="filePath"/>).</exception>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        string target = Path.GetFullPath(filePath);
        string folder = Path.GetDirectoryName(target)!;
        string stem = Path.GetFileName(target);
        RemoveStaleTemporaries(folder, stem);
        string temporary = Path.Combine(folder, $"{stem}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                catalog.Save(model, inputSchema, stream);
            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new IOException($"Cannot write the model {target}: {error.Message}", error);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Temporaries of earlier saves to the same file that did not finish; older than a minute, so a concurrent save keeps its own.</summary>
    private static void RemoveStaleTemporaries(string folder, string stem)
    {
        if (!Directory.Exists(folder)) return;
        foreach (string file in Directory.EnumerateFiles(folder, $"{stem}.*{TemporarySuffix}"))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > TimeSpan.FromMinutes(1)) File.Delete(file);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Another process may be finishing it; it is only an attempt to tidy up.
            }
        }
    }
}
