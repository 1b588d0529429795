using System.Text;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// Reads the zip format <c>torch.save</c> writes since PyTorch 1.6: entries <c>NAME/data.pkl</c> (the pickled state
/// dict, tensors as persistent ids), <c>NAME/data/KEY</c> (one per storage, stored uncompressed and 64-byte aligned,
/// read lazily in place), <c>NAME/version</c>, and from PyTorch 2.1 on <c>NAME/byteorder</c>. NAME is any single
/// top-level folder name (PyTorch derives it from the file name).
/// </summary>
internal static class TorchZipReader
{
    public static StateDict Read(CheckpointInput input, CheckpointLimits limits)
    {
        string? source = input.Name;
        var zip = ZipDirectory.Read(input, limits);
        var pickles = zip.Entries.Where(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal) && e.Name.IndexOf('/') == e.Name.Length - "/data.pkl".Length).ToList();
        if (zip.Entries.Any(e => e.Name.EndsWith("/constants.pkl", StringComparison.Ordinal)))
            throw new CheckpointFormatException("this is a TorchScript archive (torch.jit.save), not a state dict; load it in PyTorch and save model.state_dict() with torch.save.", source);
        if (pickles.Count != 1)
            throw new CheckpointFormatException(pickles.Count == 0
                ? "the zip archive has no 'NAME/data.pkl' entry, so it is not a torch.save checkpoint."
                : $"the zip archive has {pickles.Count} 'data.pkl' entries ({string.Join(", ", pickles.Select(p => p.Name))}); torch.save writes one.", source);
        string prefix = pickles[0].Name[..^"data.pkl".Length];
        CheckByteOrder(zip, prefix, source);

        var storages = new TorchStorageTable(source);
        if (pickles[0].Size > limits.MaxMetadataBytes)
            throw new CheckpointFormatException($"the pickle is {pickles[0].Size} bytes long, more than the limit of {limits.MaxMetadataBytes} for a state dict's description " +
                                                "(CheckpointLimits.MaxMetadataBytes); it is not a state dict torch.save wrote, or raise the limit.", source, pickles[0].Name);
        var pickle = zip.ReadAll(pickles[0], limits.MaxMetadataBytes);
        object? root;
        using (var stream = new MemoryStream(pickle, writable: false))
            root = new RestrictedUnpickler(stream, pickle.Length, source, pickles[0].Name, storages.Load, limits.MaxMetadataBytes).Load();

        var located = new List<(TorchStorage Storage, ZipEntry Entry)>(storages.Roots.Count);
        foreach (var storage in storages.Roots.Values)
        {
            string name = $"{prefix}data/{storage.Key}";
            if (!zip.TryGetEntry(name, out var entry))
                throw new CheckpointFormatException($"the pickle names storage '{storage.Key}' but the archive has no entry '{name}'; the file is truncated or corrupt.", source, name);
            long expected = storage.Elements * storage.DType.ElementSize();
            if (entry.Size != expected)
                throw new CheckpointFormatException($"the entry holds {entry.Size} bytes; the pickle declares {storage.Elements} × {storage.DType} = {expected} bytes.", source, name);
            located.Add((storage, entry));
        }
        zip.CheckInflatedTotal(located.Select(l => l.Entry));
        foreach (var (storage, entry) in located)
            storage.Bytes = zip.Open(entry, Array.MaxLength);
        return TorchStateDicts.Build(root, source, pickles[0].Name, CheckpointFormat.PyTorchZip);
    }

    private static void CheckByteOrder(ZipDirectory zip, string prefix, string? source)
    {
        if (!zip.TryGetEntry(prefix + "byteorder", out var entry)) return;
        string order = Encoding.ASCII.GetString(zip.ReadAll(entry, 16)).Trim();
        if (order != "little")
            throw new CheckpointFormatException($"the checkpoint's byte order is '{order}'; only little-endian checkpoints are supported. Re-save it on a little-endian machine.", source, entry.Name);
    }
}
