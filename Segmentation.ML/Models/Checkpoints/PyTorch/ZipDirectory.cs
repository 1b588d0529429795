using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Segmentation.ML.Imaging.Png;
using Segmentation.ML.Models.Checkpoints.Storage;

namespace Segmentation.ML.Models.Checkpoints.PyTorch;

/// <summary>
/// The central directory of a zip archive (PKWARE APPNOTE 6.3: end of central directory record §4.3.16, ZIP64 end
/// record and locator §4.3.14–15, central file headers §4.3.12, local file headers §4.3.7, ZIP64 extra field §4.5.3).
/// Entries are located, not extracted: a stored entry is handed out as a byte range of the input, so PyTorch's
/// uncompressed storages are read lazily; deflated entries are inflated on request, within
/// <see cref="CheckpointLimits.MaxInflatedBytes"/> for the whole archive. An entry's local header must agree with its
/// central header, and a deflated entry must inflate to exactly its declared size and CRC-32 before the memory for it
/// is allocated (it is inflated twice: once to verify, once to keep).
/// </summary>
internal sealed class ZipDirectory
{
    private const uint EndOfDirectorySignature = 0x06054b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint LocalHeaderSignature = 0x04034b50;
    private const int EndOfDirectoryLength = 22;
    private const int CentralHeaderLength = 46;
    private const int LocalHeaderLength = 30;

    /// <summary>Deflate's highest possible expansion (258-byte matches in 2-bit codes), which bounds what a declared size may claim.</summary>
    private const long MaxDeflateRatio = 1032;

    private readonly CheckpointInput input;
    private readonly long directoryStart;
    private readonly Dictionary<string, ZipEntry> entries;
    private readonly long maxInflatedBytes;
    private long inflatedBytes;

    private ZipDirectory(CheckpointInput input, long directoryStart, Dictionary<string, ZipEntry> entries, long maxInflatedBytes)
    {
        this.input = input;
        this.directoryStart = directoryStart;
        this.entries = entries;
        this.maxInflatedBytes = maxInflatedBytes;
    }

    public IReadOnlyCollection<ZipEntry> Entries => entries.Values;

    public bool TryGetEntry(string name, out ZipEntry entry) => entries.TryGetValue(name, out entry);

    public static ZipDirectory Read(CheckpointInput input, CheckpointLimits limits)
    {
        string? source = input.Name;
        long endRecord = FindEndOfDirectory(input);
        var record = new byte[EndOfDirectoryLength];
        input.ReadAt(endRecord, record);
        long entryCount = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(12));
        long directoryStart = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(16));
        long directoryLimit = endRecord;

        if (entryCount == 0xFFFF || directorySize == 0xFFFFFFFF || directoryStart == 0xFFFFFFFF)
            (entryCount, directorySize, directoryStart, directoryLimit) = ReadZip64End(input, endRecord);

        if (directoryStart < 0 || directorySize < 0 || directoryStart > directoryLimit - directorySize)
            throw new CheckpointFormatException($"the zip central directory ({directorySize} bytes at offset {directoryStart}) lies outside the file; the file is truncated or corrupt.", source, "zip directory");
        if (entryCount > directorySize / CentralHeaderLength)
            throw new CheckpointFormatException($"the zip directory claims {entryCount} entries but is only {directorySize} bytes long.", source, "zip directory");

        var directory = new byte[directorySize];
        input.ReadAt(directoryStart, directory);
        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        int position = 0;
        for (long i = 0; i < entryCount; i++)
        {
            var entry = ReadCentralHeader(directory, ref position, source);
            if (!entries.TryAdd(entry.Name, entry))
                throw new CheckpointFormatException("the zip archive holds two entries with this name.", source, entry.Name);
        }
        return new ZipDirectory(input, directoryStart, entries, limits.MaxInflatedBytes);
    }

    /// <summary>
    /// Refuses, before any of them is inflated, deflated entries whose declared sizes together exceed what is left of
    /// <see cref="CheckpointLimits.MaxInflatedBytes"/>.
    /// </summary>
    public void CheckInflatedTotal(IEnumerable<ZipEntry> needed)
    {
        long total = inflatedBytes;
        foreach (var entry in needed.Where(e => e.Method != 0))
        {
            total += entry.Size;
            if (total > maxInflatedBytes)
                throw Corrupt(entry, TooMuchInflated(total, "the deflated entries needed declare"));
        }
    }

    /// <summary>The entry's bytes as a lazily read storage: a range of the file when stored, an inflated copy when deflated.</summary>
    public StorageBytes Open(ZipEntry entry, long maxInflatedLength)
    {
        long dataStart = DataStart(entry);
        if (entry.Method == 0)
        {
            if (entry.CompressedSize != entry.Size)
                throw Corrupt(entry, $"a stored entry has compressed size {entry.CompressedSize} and size {entry.Size}; they must agree.");
            return input.Slice(dataStart, entry.Size);
        }
        if (entry.Size > maxInflatedLength)
            throw Corrupt(entry, $"the entry inflates to {entry.Size} bytes; at most {maxInflatedLength} are accepted here.");
        if (entry.Size > Array.MaxLength)
            throw Corrupt(entry, $"the entry inflates to {entry.Size} bytes; deflated entries of at most {Array.MaxLength} bytes are supported.");
        if (entry.Size > entry.CompressedSize * MaxDeflateRatio + 1024)
            throw Corrupt(entry, $"the entry claims to inflate {entry.CompressedSize} bytes to {entry.Size}, more than deflate can produce.");
        if (inflatedBytes + entry.Size > maxInflatedBytes)
            throw Corrupt(entry, TooMuchInflated(inflatedBytes + entry.Size, "the deflated entries read declare"));

        Inflate(entry, dataStart, Span<byte>.Empty);
        var inflated = new byte[entry.Size];
        Inflate(entry, dataStart, inflated);
        inflatedBytes += entry.Size;
        return new MemoryStorageBytes(inflated);
    }

    /// <summary>
    /// Inflates the entry into <paramref name="destination"/> (of the declared size), or, when it is shorter, through
    /// a small buffer only to check that the data inflates to exactly the declared size and CRC-32.
    /// </summary>
    private void Inflate(ZipEntry entry, long dataStart, Span<byte> destination)
    {
        byte[]? scratch = destination.Length == entry.Size ? null : new byte[(int)Math.Min(entry.Size + 1, 1 << 16)];
        input.Stream.Position = dataStart;
        using var compressed = new BoundedReadStream(input.Stream, entry.CompressedSize);
        using var deflate = new DeflateStream(compressed, CompressionMode.Decompress, leaveOpen: true);
        uint crc = 0;
        long total = 0;
        try
        {
            while (true)
            {
                Span<byte> target = scratch is not null ? scratch : destination[(int)total..];
                int read = target.IsEmpty ? (deflate.ReadByte() < 0 ? 0 : 1) : deflate.Read(target);
                if (read == 0) break;
                total += read;
                if (total > entry.Size)
                    throw Corrupt(entry, $"the deflated data inflates to more than the declared {entry.Size} bytes; the file is corrupt.");
                crc = Crc32.Append(crc, target[..read]);
            }
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException($"the deflated data is corrupt after {total} of {entry.Size} bytes.", input.Name, entry.Name, e);
        }
        if (total != entry.Size)
            throw Corrupt(entry, $"the deflated data inflates to {total} bytes, not the declared {entry.Size}; the file is truncated or corrupt.");
        if (crc != entry.Crc32)
            throw Corrupt(entry, $"the inflated data has CRC-32 {crc:X8}, not the declared {entry.Crc32:X8}; the file is corrupt.");
    }

    private string TooMuchInflated(long total, string what) =>
        $"{what} {total} bytes in all, more than the limit of {maxInflatedBytes} (CheckpointLimits.MaxInflatedBytes). PyTorch stores " +
        "tensors uncompressed; this archive was recompressed (or is a decompression bomb): re-save it with torch.save, or raise the limit.";

    public byte[] ReadAll(ZipEntry entry, long maxLength)
    {
        if (entry.Size > maxLength)
            throw Corrupt(entry, $"the entry is {entry.Size} bytes long; at most {maxLength} are accepted here.");
        var storage = Open(entry, maxLength);
        var bytes = new byte[storage.Length];
        storage.Read(0, bytes, entry.Name);
        return bytes;
    }

    private long DataStart(ZipEntry entry)
    {
        if (entry.LocalHeaderOffset > directoryStart - LocalHeaderLength)
            throw Corrupt(entry, $"its local header offset {entry.LocalHeaderOffset} lies past the start of the central directory ({directoryStart}).");
        Span<byte> header = stackalloc byte[LocalHeaderLength];
        input.ReadAt(entry.LocalHeaderOffset, header);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalHeaderSignature)
            throw Corrupt(entry, $"no local file header at offset {entry.LocalHeaderOffset}.");
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        long dataStart = entry.LocalHeaderOffset + LocalHeaderLength + nameLength + extraLength;
        if (dataStart > directoryStart || entry.CompressedSize > directoryStart - dataStart)
            throw Corrupt(entry, $"its {entry.CompressedSize} bytes at offset {dataStart} run into the central directory at {directoryStart}; the file is corrupt.");
        CheckLocalHeader(entry, header, nameLength);
        return dataStart;
    }

    /// <summary>
    /// The local header must repeat the central header's name and method and, unless sizes follow the data (flag bit
    /// 3, APPNOTE §4.4.4) or live in a ZIP64 field, its CRC-32 and sizes.
    /// </summary>
    private void CheckLocalHeader(ZipEntry entry, ReadOnlySpan<byte> header, int nameLength)
    {
        var name = new byte[nameLength];
        input.ReadAt(entry.LocalHeaderOffset + LocalHeaderLength, name);
        if (Encoding.UTF8.GetString(name) != entry.Name)
            throw Corrupt(entry, $"the local header at offset {entry.LocalHeaderOffset} names '{Encoding.UTF8.GetString(name)}'; the central directory says '{entry.Name}'. The file is corrupt.");
        int method = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (method != entry.Method)
            throw Corrupt(entry, $"the local header says compression method {method}; the central directory says {entry.Method}. The file is corrupt.");
        if ((BinaryPrimitives.ReadUInt16LittleEndian(header[6..]) & 8) != 0) return;
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[14..]);
        uint compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(header[22..]);
        if (crc != entry.Crc32)
            throw Corrupt(entry, $"the local header says CRC-32 {crc:X8}; the central directory says {entry.Crc32:X8}. The file is corrupt.");
        if ((compressedSize != 0xFFFFFFFF && compressedSize != entry.CompressedSize) || (size != 0xFFFFFFFF && size != entry.Size))
            throw Corrupt(entry, $"the local header says {compressedSize} bytes inflating to {size}; the central directory says {entry.CompressedSize} inflating to {entry.Size}. The file is corrupt.");
    }

    private CheckpointFormatException Corrupt(ZipEntry entry, string reason) => new(reason, input.Name, entry.Name);

    private static long FindEndOfDirectory(CheckpointInput input)
    {
        long searchLength = Math.Min(input.Length, EndOfDirectoryLength + ushort.MaxValue);
        var tail = new byte[searchLength];
        input.ReadAt(input.Length - searchLength, tail);
        for (int i = tail.Length - EndOfDirectoryLength; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfDirectorySignature)
                return input.Length - searchLength + i;
        }
        throw new CheckpointFormatException("the zip archive has no end-of-central-directory record: the file is truncated (an interrupted download?) or not a zip archive.", input.Name, "zip directory");
    }

    private static (long Count, long Size, long Start, long Limit) ReadZip64End(CheckpointInput input, long endRecord)
    {
        string? source = input.Name;
        const int locatorLength = 20;
        if (endRecord < locatorLength)
            throw new CheckpointFormatException("the zip archive needs a ZIP64 end record, but there is no room for its locator.", source, "zip directory");
        Span<byte> locator = stackalloc byte[locatorLength];
        input.ReadAt(endRecord - locatorLength, locator);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature)
            throw new CheckpointFormatException("the zip archive needs a ZIP64 end record, but its locator is missing.", source, "zip directory");
        ulong recordOffset = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        const int recordLength = 56;
        if (recordOffset > (ulong)(endRecord - locatorLength - recordLength))
            throw new CheckpointFormatException($"the ZIP64 end record offset {recordOffset} lies outside the file.", source, "zip directory");
        Span<byte> record = stackalloc byte[recordLength];
        input.ReadAt((long)recordOffset, record);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
            throw new CheckpointFormatException($"no ZIP64 end record at offset {recordOffset}.", source, "zip directory");
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(record[32..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(record[40..]);
        ulong start = BinaryPrimitives.ReadUInt64LittleEndian(record[48..]);
        if (count > long.MaxValue || size > long.MaxValue || start > long.MaxValue)
            throw new CheckpointFormatException("the ZIP64 end record holds out-of-range sizes.", source, "zip directory");
        return ((long)count, (long)size, (long)start, (long)recordOffset);
    }

    private static ZipEntry ReadCentralHeader(byte[] directory, ref int position, string? source)
    {
        if (position > directory.Length - CentralHeaderLength)
            throw new CheckpointFormatException("the zip central directory ends in the middle of an entry.", source, "zip directory");
        var header = directory.AsSpan(position);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != CentralHeaderSignature)
            throw new CheckpointFormatException($"no central file header at directory offset {position}.", source, "zip directory");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        ushort method = BinaryPrimitives.ReadUInt16LittleEndian(header[10..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        long compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[30..]);
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
        long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(header[42..]);
        if (CentralHeaderLength + nameLength + extraLength + commentLength > header.Length)
            throw new CheckpointFormatException("a central file header's name, extra field or comment runs past the directory.", source, "zip directory");

        string name = Encoding.UTF8.GetString(header.Slice(CentralHeaderLength, nameLength));
        var extra = header.Slice(CentralHeaderLength + nameLength, extraLength);
        if (size == 0xFFFFFFFF || compressedSize == 0xFFFFFFFF || localOffset == 0xFFFFFFFF)
            ReadZip64Extra(extra, ref size, ref compressedSize, ref localOffset, source, name);
        position += CentralHeaderLength + nameLength + extraLength + commentLength;

        if ((flags & 1) != 0)
            throw new CheckpointFormatException("the entry is encrypted; PyTorch never encrypts checkpoints.", source, name);
        if (method is not (0 or 8))
            throw new CheckpointFormatException($"the entry uses zip compression method {method}; only stored (0) and deflate (8) are supported.", source, name);
        return new ZipEntry(name, method, crc, compressedSize, size, localOffset);
    }

    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long size, ref long compressedSize, ref long localOffset, string? source, string name)
    {
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (length > extra.Length - 4) break;
            var field = extra.Slice(4, length);
            if (id == 1)
            {
                if (size == 0xFFFFFFFF) size = TakeUInt64(ref field, source, name);
                if (compressedSize == 0xFFFFFFFF) compressedSize = TakeUInt64(ref field, source, name);
                if (localOffset == 0xFFFFFFFF) localOffset = TakeUInt64(ref field, source, name);
                return;
            }
            extra = extra[(4 + length)..];
        }
        throw new CheckpointFormatException("the entry needs a ZIP64 extra field for its sizes or offset, but has none.", source, name);
    }

    private static long TakeUInt64(ref ReadOnlySpan<byte> field, string? source, string name)
    {
        if (field.Length < 8)
            throw new CheckpointFormatException("the entry's ZIP64 extra field is too short.", source, name);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(field);
        field = field[8..];
        if (value > long.MaxValue)
            throw new CheckpointFormatException($"the entry's ZIP64 size or offset {value} is out of range.", source, name);
        return (long)value;
    }
}

/// <summary>One entry of a zip central directory.</summary>
internal readonly record struct ZipEntry(string Name, int Method, uint Crc32, long CompressedSize, long Size, long LocalHeaderOffset);

/// <summary>A read-only window of <paramref name="length"/> bytes from the current position of a stream.</summary>
internal sealed class BoundedReadStream(Stream inner, long length) : Stream
{
    private long remaining = length;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (remaining <= 0) return 0;
        int read = inner.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
        remaining -= read;
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
