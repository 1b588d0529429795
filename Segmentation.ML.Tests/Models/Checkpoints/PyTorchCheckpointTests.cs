using System.IO.Compression;
using System.Text;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Tests.Models.Checkpoints;

public class PyTorchCheckpointTests
{
    [Theory]
    [InlineData("tiny.pth", CheckpointFormat.PyTorchZip)]
    [InlineData("tiny-legacy.pth", CheckpointFormat.PyTorchLegacy)]
    [InlineData("tiny.safetensors", CheckpointFormat.Safetensors)]
    public void EveryFormatLoadsTheTensorsTorchSaved(string fixture, CheckpointFormat format)
    {
        var stateDict = Checkpoint.Load(CheckpointFixtures.PathOf(fixture));

        Assert.Equal(format, stateDict.Format);
        Assert.Equal(CheckpointFixtures.PathOf(fixture), stateDict.SourcePath);
        CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected(), stateDict);
    }

    [Theory]
    [InlineData("tiny.pth")]
    [InlineData("tiny-legacy.pth")]
    [InlineData("tiny.safetensors")]
    public void StreamsLoadLikeFiles(string fixture)
    {
        using var stream = new MemoryStream(CheckpointFixtures.Bytes(fixture));

        var stateDict = Checkpoint.Load(stream, fixture);

        Assert.Equal(fixture, stateDict.SourcePath);
        CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected(), stateDict);
    }

    [Fact]
    public void Python2EraLegacyFilesLoadWithRebuildTensorAndBinstringKeys()
    {
        var stateDict = Checkpoint.Load(CheckpointFixtures.PathOf("tiny-py2style.pth"));

        Assert.Equal(CheckpointFormat.PyTorchLegacy, stateDict.Format);
        CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected("tiny-py2style-expected.json"), stateDict);
    }

    [Fact]
    public void ViewsWithAStorageOffsetReadTheirOwnElements()
    {
        var stateDict = Checkpoint.Load(CheckpointFixtures.PathOf("tiny.pth"));

        Assert.Equal([2f, 2.5f, 3f], stateDict["view.middle"].ToFloat32());
        Assert.Equal([0f, 0.5f], stateDict["view.head"].ToFloat32());
        Assert.Equal([-2.5f, 0.5f, -1.5f, 1.5f, -0.5f, 2.5f], stateDict["transposed"].ToFloat32());
        Assert.Equal(12345678901234L, Assert.Single(stateDict["bn.num_batches_tracked"].ToInt64()));
        Assert.Empty(stateDict["bn.num_batches_tracked"].Shape);
    }

    [Fact]
    public void APickleCallingOsSystemIsRefusedNamingTheGlobal()
    {
        var error = Assert.Throws<UnsafeCheckpointException>(() => Checkpoint.Load(CheckpointFixtures.PathOf("evil-os-system.pth")));

        Assert.Equal("posix.system", error.GlobalName);
        Assert.Contains("'posix.system'", error.Message);
        Assert.Contains("evil-os-system/data.pkl", error.Message);
        Assert.Contains("nothing in it was executed", error.Message);
    }

    [Fact]
    public void ALegacyPickleCallingEvalIsRefusedNamingTheGlobal()
    {
        var error = Assert.Throws<UnsafeCheckpointException>(() => Checkpoint.Load(CheckpointFixtures.PathOf("evil-eval-legacy.pth")));

        // Python 3 pickles builtins under their Python 2 name at protocol 2, so the file asks for __builtin__.eval.
        Assert.Equal("__builtin__.eval", error.GlobalName);
        Assert.Equal(CheckpointFixtures.PathOf("evil-eval-legacy.pth"), error.FilePath);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "load")]
    [InlineData("torch._utils", "_rebuild_qtensor")]
    [InlineData("__builtin__", "getattr")]
    public void AnyGlobalOutsideTheAllowListIsRefused(string module, string name)
    {
        byte[] pickle = [0x80, 0x02, .. Encoding.ASCII.GetBytes($"c{module}\n{name}\n"), (byte)')', (byte)'R', (byte)'.'];

        var error = Assert.Throws<UnsafeCheckpointException>(() => Checkpoint.Load(new MemoryStream(TorchZip(("archive/data.pkl", pickle))), "evil.pth"));

        Assert.Equal($"{module}.{name}", error.GlobalName);
    }

    [Fact]
    public void StackGlobalAndInstAreCheckedAgainstTheAllowListToo()
    {
        byte[] stackGlobal = [0x80, 0x04, 0x8c, 5, .. "posix"u8, 0x8c, 6, .. "system"u8, 0x93, (byte)')', (byte)'R', (byte)'.'];
        byte[] inst = [0x80, 0x02, (byte)'(', (byte)'i', .. "os\nsystem\n"u8, (byte)'.'];

        Assert.Equal("posix.system", Assert.Throws<UnsafeCheckpointException>(() => Checkpoint.Load(new MemoryStream(TorchZip(("a/data.pkl", stackGlobal))))).GlobalName);
        Assert.Equal("os.system", Assert.Throws<UnsafeCheckpointException>(() => Checkpoint.Load(new MemoryStream(TorchZip(("a/data.pkl", inst))))).GlobalName);
    }

    [Fact]
    public void ATruncatedZipIsAFormatErrorThatSaysSo()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(CheckpointFixtures.PathOf("truncated.pth")));

        Assert.IsNotType<UnsafeCheckpointException>(error);
        Assert.Contains("truncated", error.Message);
        Assert.Equal(CheckpointFixtures.PathOf("truncated.pth"), error.FilePath);
    }

    [Fact]
    public void AnyTopLevelFolderNameAndDeflatedEntriesAreAccepted()
    {
        var original = Entries(CheckpointFixtures.Bytes("tiny.pth"));
        var renamed = original.Select(e => ("another name/" + e.Name[(e.Name.IndexOf('/') + 1)..], e.Bytes)).ToArray();

        var stateDict = Checkpoint.Load(new MemoryStream(TorchZip(CompressionLevel.Optimal, renamed)));

        CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected(), stateDict);
    }

    [Fact]
    public void AStorageEntryShorterThanThePickleDeclaresIsRefused()
    {
        var entries = Entries(CheckpointFixtures.Bytes("tiny.pth"));
        var shortened = entries.Select(e => e.Name == "tiny/data/0" ? (e.Name, e.Bytes[..^4]) : e).ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(TorchZip(shortened)), "short.pth"));

        Assert.Equal("tiny/data/0", error.Entry);
        Assert.Contains("the pickle declares 108 × F32 = 432 bytes", error.Message);
    }

    [Fact]
    public void AMissingStorageEntryIsRefused()
    {
        var entries = Entries(CheckpointFixtures.Bytes("tiny.pth")).Where(e => e.Name != "tiny/data/3").ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(TorchZip(entries))));

        Assert.Contains("no entry 'tiny/data/3'", error.Message);
    }

    [Fact]
    public void ATruncatedLegacyFileNamesTheStorageThatIsCut()
    {
        byte[] bytes = CheckpointFixtures.Bytes("tiny-legacy.pth");

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(bytes[..^10]), "cut.pth"));

        Assert.Contains("storage '", error.Entry);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void TorchScriptArchivesAndOtherZipsAreExplained()
    {
        var script = Assert.Throws<CheckpointFormatException>(() =>
            Checkpoint.Load(new MemoryStream(TorchZip(("m/data.pkl", [0x80, 2, (byte)'}', (byte)'.']), ("m/constants.pkl", [0x80, 2, (byte)')', (byte)'.'])))));
        var plain = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(TorchZip(("readme.txt", "hello"u8.ToArray())))));

        Assert.Contains("TorchScript", script.Message);
        Assert.Contains("no 'NAME/data.pkl'", plain.Message);
    }

    [Fact]
    public void TrainingCheckpointsNestingTheStateDictUnderStateDictAreUnwrapped()
    {
        var entries = Entries(CheckpointFixtures.Bytes("tiny.pth"));
        byte[] inner = entries.Single(e => e.Name == "tiny/data.pkl").Bytes;
        // {'epoch': 3, 'state_dict': <the tiny state dict>}: the tiny pickle minus PROTO, spliced in as a value.
        byte[] outer = [0x80, 2, (byte)'}', (byte)'(', 0x8c, 5, .. "epoch"u8, (byte)'K', 3, 0x8c, 10, .. "state_dict"u8, .. inner[2..^1], (byte)'u', (byte)'.'];
        var nested = entries.Select(e => e.Name == "tiny/data.pkl" ? (e.Name, outer) : e).ToArray();

        var stateDict = Checkpoint.Load(new MemoryStream(TorchZip(nested)));

        CheckpointFixtures.AssertMatches(CheckpointFixtures.Expected(), stateDict);
    }

    [Fact]
    public void NonTensorValuesAreRefusedNamingTheKey()
    {
        byte[] pickle = [0x80, 2, (byte)'}', 0x8c, 5, .. "epoch"u8, (byte)'K', 3, (byte)'s', 0x8c, 1, (byte)'w', (byte)'K', 1, (byte)'s', (byte)'.'];

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(TorchZip(("a/data.pkl", pickle)))));

        Assert.Equal("tensor 'epoch'", error.Entry);
        Assert.Contains("the value is of type int, not a tensor", error.Message);
    }

    [Fact]
    public void UnrecognisedFilesSayWhatWasExpected()
    {
        var html = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream("<!DOCTYPE html><html>Not Found</html>"u8.ToArray()), "x.pth"));
        var empty = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream([]), "empty.pth"));

        Assert.Contains("expected safetensors, a PyTorch zip checkpoint or a legacy PyTorch checkpoint", html.Message);
        Assert.Contains("HTML", html.Message);
        Assert.Contains("empty", empty.Message);
    }

    [Fact]
    public void ExpandedViewsWhoseElementsOverlapAreRefused()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(CheckpointFixtures.PathOf("expanded-view.pth")));

        Assert.Equal("tensor 'expanded'", error.Entry);
        Assert.Contains("shape [4] with strides [0] has more elements than the storage span it covers", error.Message);
    }

    [Fact]
    public void BigEndianCheckpointsAreRefused()
    {
        var entries = Entries(CheckpointFixtures.Bytes("tiny.pth")).Append(("tiny/byteorder", "big"u8.ToArray())).ToArray();

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(TorchZip(entries))));

        Assert.Equal("tiny/byteorder", error.Entry);
        Assert.Contains("only little-endian checkpoints are supported", error.Message);
    }

    [Fact]
    public void Pre2017TarCheckpointsAreExplained()
    {
        var tar = new byte[1024];
        "ustar"u8.CopyTo(tar.AsSpan(257));

        var error = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(new MemoryStream(tar), "old.pth"));

        Assert.Contains("tar archive", error.Message);
    }

    private static (string Name, byte[] Bytes)[] Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.Select(e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return (e.FullName, copy.ToArray());
        }).ToArray();
    }

    private static byte[] TorchZip(params (string Name, byte[] Bytes)[] entries) => TorchZip(CompressionLevel.NoCompression, entries);

    private static byte[] TorchZip(CompressionLevel level, params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = archive.CreateEntry(name, level).Open();
                stream.Write(bytes);
            }
        }
        return buffer.ToArray();
    }
}
