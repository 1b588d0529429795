using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Segmentation.ML.Imaging.Png;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Tests.Models.Checkpoints;

/// <summary>
/// Crafted zips (written here byte by byte, so they can declare what they like) against the memory limits: sizes are
/// checked against what the central directory declares before anything is allocated, and an entry must inflate to
/// exactly its declared size and CRC.
/// </summary>
public class CheckpointLimitsTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void DeflatedStoragesDeclaringMoreThan4GiBInAllAreRefusedBeforeAnythingIsInflated()
    {
        // Three 2 GiB storages, each "compressed" into 2.1 MB of noise: within deflate's 1032:1, so only the total refuses them.
        const long elements = (1L << 31) / 4;
        var noise = new byte[2_100_000];
        new Random(1).NextBytes(noise);
        byte[] zip = CraftedZip.Build(
            CraftedZip.Stored("a/data.pkl", TorchPickle.StateDict(("x", "0", elements), ("y", "1", elements), ("z", "2", elements))),
            CraftedZip.Deflated("a/data/0", noise, declaredSize: elements * 4, crc: 0),
            CraftedZip.Deflated("a/data/1", noise, declaredSize: elements * 4, crc: 0),
            CraftedZip.Deflated("a/data/2", noise, declaredSize: elements * 4, crc: 0));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "bomb.pth"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("bomb.pth", error.FilePath);
        Assert.Equal("a/data/2", error.Entry);
        Assert.Contains($"declare {3 * elements * 4} bytes in all, more than the limit of {4L << 30} (CheckpointLimits.MaxInflatedBytes)", error.Message);
        Assert.True(allocated < zip.Length + 16 * MiB, $"Refusing allocated {allocated / MiB} MiB.");
    }

    [Fact]
    public void TheInflatedTotalIsConfigurableAndRealDeflateDataWithinItLoads()
    {
        byte[] zip = CraftedZip.Build(
            CraftedZip.Stored("a/data.pkl", TorchPickle.StateDict(("x", "0", 10_000), ("y", "1", 10_000))),
            CraftedZip.Deflate("a/data/0", new byte[40_000]),
            CraftedZip.Deflate("a/data/1", new byte[40_000]));

        Assert.Equal(new float[10_000], Checkpoint.Load(new MemoryStream(zip), "ok.pth", new CheckpointLimits { MaxInflatedBytes = 80_000 })["y"].ToFloat32());
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "small.pth", new CheckpointLimits { MaxInflatedBytes = 79_999 }));
        Assert.Equal("a/data/1", error.Entry);
        Assert.Contains("more than the limit of 79999", error.Message);
    }

    [Theory]
    [InlineData(39_996, "inflates to 39996 bytes, not the declared 40000")]
    [InlineData(40_004, "inflates to more than the declared 40000 bytes")]
    public void ADeflatedEntryInflatingToAnotherLengthThanDeclaredIsRefused(int realLength, string expected)
    {
        var real = CraftedZip.Deflate("a/data/0", new byte[realLength]);
        byte[] zip = CraftedZip.Build(
            CraftedZip.Stored("a/data.pkl", TorchPickle.StateDict(("x", "0", 10_000))),
            real with { DeclaredSize = 40_000, Crc = Crc32.Compute(new byte[40_000]) });

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "liar.pth"));

        Assert.Equal("a/data/0", error.Entry);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ADeflatedEntryWithAWrongCrcIsRefused()
    {
        var real = CraftedZip.Deflate("a/data/0", new byte[400]);
        byte[] zip = CraftedZip.Build(CraftedZip.Stored("a/data.pkl", TorchPickle.StateDict(("x", "0", 100))), real with { Crc = real.Crc ^ 1 });

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "flipped.pth"));

        Assert.Contains($"has CRC-32 {real.Crc:X8}, not the declared {real.Crc ^ 1:X8}", error.Message);
    }

    [Fact]
    public void APickleLongerThanTheMetadataLimitIsRefusedBeforeItIsInflated()
    {
        var noise = new byte[100_000];
        new Random(2).NextBytes(noise);
        byte[] zip = CraftedZip.Build(CraftedZip.Deflated("a/data.pkl", noise, declaredSize: 100 * MiB, crc: 0));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "big.pth"));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * MiB);
        Assert.Equal("a/data.pkl", error.Entry);
        Assert.Contains($"the pickle is {100 * MiB} bytes long, more than the limit of {16 * MiB}", error.Message);
    }

    [Fact]
    public void APickleBuildingFarMoreThanItsLengthIsRefusedAsItIsRead()
    {
        // 400 KB of EMPTY_DICT opcodes: each byte would cost a few hundred bytes of dictionaries, 100+ MB in all.
        byte[] pickle = [0x80, 0x02, .. Enumerable.Repeat((byte)'}', 400_000), (byte)'.'];
        byte[] zip = CraftedZip.Build(CraftedZip.Deflate("a/data.pkl", pickle));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "dicts.pth"));

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * MiB, "The refusal came too late.");
        Assert.Contains("builds more values than a state dict of its length can", error.Message);
        Assert.StartsWith("a/data.pkl, byte ", error.Entry);
    }

    [Fact]
    public void LegacyPicklesAndSafetensorsHeadersObeyTheMetadataLimit()
    {
        var limits = new CheckpointLimits { MaxMetadataBytes = 100 };

        var legacy = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(CheckpointFixtures.PathOf("tiny-legacy.pth"), limits));
        Assert.Contains("the pickle is longer than 100 bytes", legacy.Message);
        var safetensors = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(CheckpointFixtures.PathOf("tiny.safetensors"), limits));
        Assert.Contains("more than the limit of 100 (CheckpointLimits.MaxMetadataBytes)", safetensors.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointLimits { MaxInflatedBytes = -1 });
    }

    [Fact]
    public void ALocalHeaderThatDisagreesWithTheCentralDirectoryIsRefused()
    {
        var pickle = CraftedZip.Stored("a/data.pkl", TorchPickle.StateDict(("x", "0", 100)));
        byte[] zip = CraftedZip.Build(pickle, CraftedZip.Deflate("a/data/0", new byte[400]) with { LocalName = "a/data/9" });

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(zip), "mixed.pth"));

        Assert.Contains("the local header at offset", error.Message);
        Assert.Contains("names 'a/data/9'; the central directory says 'a/data/0'", error.Message);
    }

    /// <summary>The pickle torch.save writes for a state dict of 1-D float tensors, one storage each.</summary>
    private static class TorchPickle
    {
        public static byte[] StateDict(params (string Name, string StorageKey, long Elements)[] tensors)
        {
            var pickle = new List<byte> { 0x80, 0x02 };
            void Ascii(string text) => pickle.AddRange(Encoding.ASCII.GetBytes(text));
            void Text(string text)
            {
                pickle.Add((byte)'X');
                pickle.AddRange(BitConverter.GetBytes(text.Length));
                Ascii(text);
            }
            void Int(long value)
            {
                pickle.Add((byte)'J');
                pickle.AddRange(BitConverter.GetBytes(checked((int)value)));
            }

            Ascii("ccollections\nOrderedDict\n)R(");
            foreach (var (name, key, elements) in tensors)
            {
                Text(name);
                Ascii("ctorch._utils\n_rebuild_tensor_v2\n((");
                Text("storage");
                Ascii("ctorch\nFloatStorage\n");
                Text(key);
                Text("cpu");
                Int(elements);
                Ascii("tQK\x00(");
                Int(elements);
                Ascii("t(K\x01t");
                pickle.Add(0x89); // NEWFALSE: requires_grad
                Ascii("ccollections\nOrderedDict\n)RtR");
            }
            Ascii("u.");
            return [.. pickle];
        }
    }
}

/// <summary>Writes zip archives field by field (APPNOTE 6.3), so that tests can make them declare anything.</summary>
internal static class CraftedZip
{
    public sealed record Entry(string Name, int Method, byte[] Data, long DeclaredSize, uint Crc)
    {
        public string? LocalName { get; init; }
    }

    public static Entry Stored(string name, byte[] data) => new(name, 0, data, data.Length, Crc32.Compute(data));

    public static Entry Deflate(string name, byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write(data);
        return new(name, 8, compressed.ToArray(), data.Length, Crc32.Compute(data));
    }

    public static Entry Deflated(string name, byte[] compressed, long declaredSize, uint crc) => new(name, 8, compressed, declaredSize, crc);

    public static byte[] Build(params Entry[] entries)
    {
        var file = new MemoryStream();
        var offsets = new List<long>();
        foreach (var entry in entries)
        {
            offsets.Add(file.Position);
            byte[] name = Encoding.UTF8.GetBytes(entry.LocalName ?? entry.Name);
            var header = new byte[30];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(14), entry.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), (uint)entry.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), (uint)entry.DeclaredSize);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)name.Length);
            file.Write(header);
            file.Write(name);
            file.Write(entry.Data);
        }
        long directoryStart = file.Position;
        for (int i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            byte[] name = Encoding.UTF8.GetBytes(entry.Name);
            var header = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(10), (ushort)entry.Method);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), entry.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)entry.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), (uint)entry.DeclaredSize);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), (uint)offsets[i]);
            file.Write(header);
            file.Write(name);
        }
        long directoryLength = file.Position - directoryStart;
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)entries.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)entries.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)directoryLength);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directoryStart);
        file.Write(end);
        return file.ToArray();
    }
}
