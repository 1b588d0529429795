namespace Segmentation.ML.Models.Checkpoints.Storage;

/// <summary>
/// What a reader parses: a seekable stream over a file or an in-memory copy, its length and name, and a way to turn a
/// validated byte range into lazily read <see cref="StorageBytes"/> without copying it.
/// </summary>
internal sealed class CheckpointInput : IDisposable
{
    private readonly CheckpointFile? file;
    private readonly byte[]? bytes;

    private CheckpointInput(string? name, Stream stream, CheckpointFile? file, byte[]? bytes)
    {
        Name = name;
        Stream = stream;
        Length = stream.Length;
        this.file = file;
        this.bytes = bytes;
    }

    /// <summary>The file's path or the name given with a stream; null when none was given.</summary>
    public string? Name { get; }

    /// <summary>A seekable stream over the whole checkpoint, for parsing headers and pickles.</summary>
    public Stream Stream { get; }

    public long Length { get; }

    public static CheckpointInput OpenFile(string path)
    {
        var info = new FileInfo(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1 << 16);
        try
        {
            info.Refresh();
            var file = new CheckpointFile(path, stream.Length, info.LastWriteTimeUtc);
            return new CheckpointInput(path, stream, file, null);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public static CheckpointInput FromBytes(byte[] bytes, string? name) =>
        new(name, new MemoryStream(bytes, writable: false), null, bytes);

    /// <summary>The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>), which the caller has checked lie inside the input.</summary>
    public StorageBytes Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range [{offset}, {offset} + {length}) lies outside an input of {Length} bytes.");
        return file is not null
            ? new FileStorageBytes(file, offset, length)
            : new MemoryStorageBytes(bytes.AsMemory((int)offset, (int)length));
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; the caller has checked the range.</summary>
    public void ReadAt(long offset, Span<byte> destination)
    {
        Stream.Position = offset;
        Stream.ReadExactly(destination);
    }

    public void Dispose() => Stream.Dispose();
}
