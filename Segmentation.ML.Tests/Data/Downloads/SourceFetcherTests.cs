using Segmentation.ML.Data.Downloads;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>The catalog's sources fetched end to end from the loopback server (URLs overridden, never the real ones).</summary>
public sealed class SourceFetcherTests : IAsyncLifetime
{
    private const int TestTimeout = 60_000;

    private readonly LoopbackHttpServer server = new();
    private readonly TempDataset temp = new();
    private readonly FileDownloader downloader = new(new SocketsHttpHandler { UseProxy = false },
        new FileDownloaderOptions { MaxRetries = 0, IdleTimeout = TimeSpan.FromSeconds(10) });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        downloader.Dispose();
        await server.DisposeAsync();
        temp.Dispose();
    }

    [Fact(Timeout = TestTimeout)]
    public async Task VocLandsInVocdevkitAndASecondFetchFindsItComplete()
    {
        byte[] tar = DownloadFixtures.VocTar();
        var url = server.Serve("/voc/VOCtrainval_11-May-2012.tar", tar);
        string dest = temp.PathOf("data");
        var options = new FetchOptions { Url = url.ToString(), Hash = FileHash.Md5(DownloadFixtures.Md5(tar)) };
        var fetcher = new SourceFetcher(downloader);

        var first = await fetcher.FetchAsync(DownloadSources.Voc2012, dest, options);

        Assert.Equal(Path.Combine(dest, "VOCdevkit", "VOC2012"), first.Path);
        Assert.False(first.WasAlreadyPresent);
        foreach (var (path, content) in DownloadFixtures.VocFiles)
        {
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(first.Path, path)));
        }

        Assert.Equal(["VOCdevkit"], Directory.EnumerateFileSystemEntries(dest).Select(Path.GetFileName));

        var second = await fetcher.FetchAsync(DownloadSources.Voc2012, dest, options);
        Assert.True(second.WasAlreadyPresent);
        Assert.Single(server.Requests);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task VocWithThePublishedMd5RejectsOtherBytes()
    {
        var url = server.Serve("/VOCtrainval_11-May-2012.tar", DownloadFixtures.VocTar());
        string dest = temp.PathOf("data");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(downloader).FetchAsync(DownloadSources.Voc2012, dest, new FetchOptions { MirrorBase = server.BaseUrl.ToString() }));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal("6cd6e144f989b92b3379bac3b3de84fd", e.ExpectedHash);
        Assert.Equal(url, e.Url);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CamVidIsCheckedByContentAndLandsInCamvid()
    {
        var url = server.Serve("/master.zip", DownloadFixtures.CamVidZip());
        string dest = temp.PathOf("data");

        var result = await new SourceFetcher(downloader).FetchAsync(DownloadSources.CamVid, dest, new FetchOptions { Url = url.ToString() });

        Assert.Equal(Path.Combine(dest, "camvid"), result.Path);
        Assert.Empty(DownloadSources.CamVid.Content!.FindProblems(result.Path));
        Assert.Equal(367, Directory.GetFiles(Path.Combine(result.Path, "train")).Length);
        Assert.Equal(233, Directory.GetFiles(Path.Combine(result.Path, "testannot")).Length);
        Assert.Equal(["camvid"], Directory.EnumerateFileSystemEntries(dest).Select(Path.GetFileName));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CamVidWithMissingPairsIsRefusedAndItsArchiveDeleted()
    {
        var url = server.Serve("/master.zip", DownloadFixtures.CamVidZip(train: 366));
        string dest = temp.PathOf("data");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(downloader).FetchAsync(DownloadSources.CamVid, dest, new FetchOptions { Url = url.ToString() }));

        Assert.Equal(DownloadProblem.UnexpectedContent, e.Problem);
        Assert.Contains("366 image+annotation pairs; expected 367", e.Message);
        Assert.Contains("run again", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dest));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AnIncompleteDatasetFolderIsReportedNotOverwritten()
    {
        temp.WriteText("data/camvid/train.txt", "");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(downloader).FetchAsync(DownloadSources.CamVid, temp.PathOf("data"), new FetchOptions { Url = server.BaseUrl.ToString() }));

        Assert.Equal(DownloadProblem.DestinationExists, e.Problem);
        Assert.Contains("val.txt is missing", e.Message);
        Assert.Empty(server.Requests);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task WeightsFromAUrlCarryingAnotherHashAreStoredAndVerifiedUnderThatName()
    {
        var (content, fileName) = DownloadFixtures.Weights("vgg16");
        var url = server.Serve("/models/" + fileName, content);
        string cache = temp.PathOf("cache");

        var result = await new SourceFetcher(downloader).FetchAsync(DownloadSources.Vgg16, cache, new FetchOptions { Url = url.ToString() });

        Assert.Equal(Path.Combine(cache, fileName), result.Path);
        Assert.Equal(content, File.ReadAllBytes(result.Path));
        Assert.StartsWith(fileName[6..14], result.Download!.ActualHash);
        Assert.Equal(result.Path, WeightsCache.Resolve(result.Path, cache));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task WeightsWhoseBytesDoNotMatchTheNameAreRefused()
    {
        var (content, _) = DownloadFixtures.Weights("mobilenet_v2");
        var url = server.Serve("/models/mobilenet_v2-0badc0de.pth", content);
        string cache = temp.PathOf("cache");

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(downloader).FetchAsync(DownloadSources.MobileNetV2, cache, new FetchOptions { Url = url.ToString() }));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal("0badc0de", e.ExpectedHash);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task WeightsFromAMirrorKeepThePublishedNameAndHash()
    {
        var (content, _) = DownloadFixtures.Weights("vgg11");
        var url = server.Serve("/mirror/vgg11-8a719358.pth", content);

        var e = await Assert.ThrowsAsync<DownloadException>(() => new SourceFetcher(downloader).FetchAsync(DownloadSources.Vgg11, temp.PathOf("cache"),
            new FetchOptions { MirrorBase = new Uri(server.BaseUrl, "/mirror").ToString() }));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal("8a719358", e.ExpectedHash);
        Assert.Equal(url, e.Url);
    }
}
