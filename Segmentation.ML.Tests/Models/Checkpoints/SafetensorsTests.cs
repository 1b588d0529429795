using System.Buffers.Binary;
using System.Text;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Tests.Models.Checkpoints;

public class SafetensorsTests
{
    [Fact]
    public void ReadingKeepsHeaderOrderAndMetadata()
    {
        var stateDict = SafetensorsFile.Read(CheckpointFixtures.PathOf("tiny.safetensors"));

        CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected(), stateDict);
        Assert.Equal("pt", stateDict.Metadata["format"]);
        Assert.Equal("Segmentation.ML checkpoint fixture", stateDict.Metadata["note"]);
    }

    [Theory]
    [InlineData("bad-offsets-past-end.safetensors", "tensor 'b'", "run past the end of the data section, which holds 16 bytes")]
    [InlineData("bad-overlapping.safetensors", "tensor 'b'", "data_offsets [8, 16] overlap those of 'a' [0, 12]")]
    [InlineData("bad-header-too-long.safetensors", "header", "the header length field says 1048576 bytes, but only 72 bytes follow it")]
    public void CorruptFixturesAreRefusedNamingTheProblem(string fixture, string entry, string reason)
    {
        string path = CheckpointFixtures.PathOf(fixture);

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(path));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(entry, error.Entry);
        Assert.Contains(reason, error.Message);
    }

    public static TheoryData<string, string, string> Headers => new()
    {
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", "header", "not well-formed JSON" },
        { """[1, 2, 3]                                             """, "header", "must be a JSON object" },
        { """{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", "tensor 'a'", "unknown or unsupported dtype 'F8_E4M3'" },
        { """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "tensor 'a'", "shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] span 8" },
        { """{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "tensor 'a'", "shape entry 0 is -2" },
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "tensor 'a'", "end before they begin" },
        { """{"a":{"dtype":"F32","shape":[2]}}""", "tensor 'a'", "no 'data_offsets'" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "tensor 'a'", "bytes [0, 4) of the data section belong to no tensor" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "data", "the tensors cover only 4" },
        { """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "tensor 'a'", "names 'a' twice" },
        { """{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "__metadata__", "must be a string" },
        { """{"a":{"dtype":"I64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", "tensor 'a'", "dimensions are integers in [0, 2147483647]" },
        { """{"a":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,8]}}""", "tensor 'a'", "larger than 2 GB" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void MalformedHeadersAreRefusedWithWhatAndWhere(string header, string entry, string reason)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Read(new MemoryStream(File(header, new byte[8])), "test.safetensors"));

        Assert.Equal("test.safetensors", error.FilePath);
        Assert.Equal(entry, error.Entry);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void EmptyAndScalarTensorsAndTrailingHeaderSpacesAreValid()
    {
        byte[] bytes = File("""{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}      """,
            BitConverter.GetBytes(-7L));

        var stateDict = SafetensorsFile.Read(new MemoryStream(bytes));

        Assert.Equal(0, stateDict["e"].ElementCount);
        Assert.Equal([-7L], stateDict["s"].ToInt64());
    }

    [Fact]
    public void WritingThenReadingGivesIdenticalTensorsAndMetadata()
    {
        var original = Checkpoint.Load(CheckpointFixtures.PathOf("tiny.pth"));
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["ünïcode + \"quotes\""] = "value\nwith newline" };
        string path = Path.Combine(Path.GetTempPath(), $"segml-roundtrip-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(path, original.Tensors, metadata);
            var reread = SafetensorsFile.Read(path);

            CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected(), reread);
            Assert.Equal(metadata, reread.Metadata);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.*.tmp"));
            long dataStart = 8 + BinaryPrimitives.ReadInt64LittleEndian(System.IO.File.ReadAllBytes(path));
            Assert.Equal(0, dataStart % 8);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void WritingToAStreamRoundTripsFloat32AndInt64()
    {
        var tensors = new[]
        {
            CheckpointTensor.FromFloat32("w", [2, 3], [1f, -2f, float.NaN, float.NegativeInfinity, -0f, float.Epsilon]),
            CheckpointTensor.FromInt64("n", [], [long.MinValue]),
            CheckpointTensor.FromBytes("h", CheckpointDType.F16, [1], BitConverter.GetBytes((Half)1.5)),
        };
        using var stream = new MemoryStream();

        SafetensorsFile.Write(stream, tensors);
        stream.Position = 0;
        var reread = SafetensorsFile.Read(stream);

        Assert.Equal(["w", "n", "h"], reread.Keys);
        Assert.Equal(tensors[0].ToBytes(), reread["w"].ToBytes());
        Assert.Equal([long.MinValue], reread["n"].ToInt64());
        Assert.Equal([1.5f], reread["h"].ToFloat32());
        Assert.Empty(reread.Metadata);
    }

    [Fact]
    public void ReplacingAFileThatTensorsAreReadFromIsDetected()
    {
        string path = Path.Combine(Path.GetTempPath(), $"segml-changed-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsFile.Write(path, [CheckpointTensor.FromFloat32("w", [2], [1f, 2f])]);
            var stateDict = SafetensorsFile.Read(path);
            SafetensorsFile.Write(path, [CheckpointTensor.FromFloat32("w", [3], [1f, 2f, 3f])]);

            var error = Assert.Throws<CheckpointFormatException>(() => stateDict["w"].ToFloat32());

            Assert.Equal("tensor 'w'", error.Entry);
            Assert.Contains("changed after it was loaded", error.Message);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void WriterRejectsDuplicateAndReservedNames()
    {
        var a = CheckpointTensor.FromFloat32("a", [1], [1f]);

        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(Stream.Null, [a, a]));
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(Stream.Null, [CheckpointTensor.FromFloat32("__metadata__", [1], [1f])]));
    }

    private static byte[] File(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }
}
