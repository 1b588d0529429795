using Microsoft.Win32.SafeHandles;

namespace Segmentation.ML.Models.Checkpoints.Storage;

/// <summary>
/// A checkpoint file whose tensors are read lazily. No handle stays open between reads, so the file is never locked;
/// every read checks that the file still has the length and modification time it had when it was loaded, because
/// offsets validated then mean nothing for a replaced file.
/// </summary>
internal sealed class CheckpointFile
{
    public CheckpointFile(string path, long length, DateTime lastWriteUtc)
    {
        Path = path;
        Length = length;
        LastWriteUtc = lastWriteUtc;
    }

    public string Path { get; }

    public long Length { get; }

    public DateTime LastWriteUtc { get; }

    public void Read(long position, Span<byte> destination, string tensorName)
    {
        try
        {
            using SafeFileHandle handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            if (RandomAccess.GetLength(handle) != Length || File.GetLastWriteTimeUtc(handle) != LastWriteUtc)
                throw Changed(tensorName, null);
            while (!destination.IsEmpty)
            {
                int read = RandomAccess.Read(handle, destination, position);
                if (read == 0) throw Changed(tensorName, null);
                destination = destination[read..];
                position += read;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Changed(tensorName, e);
        }
    }

    private CheckpointFormatException Changed(string tensorName, Exception? inner) => new(
        inner is null
            ? "the file changed after it was loaded (its length or modification time differs), so its offsets no longer hold; load it again."
            : $"the tensor's bytes could not be read ({inner.Message}); the file may have been moved or deleted after it was loaded.",
        Path, $"tensor '{tensorName}'", inner);
}
