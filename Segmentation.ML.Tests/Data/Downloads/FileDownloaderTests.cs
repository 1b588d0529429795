using System.Net;
using Segmentation.ML.Data.Downloads;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>FileDownloader against the loopback server: every request goes to 127.0.0.1 only.</summary>
public sealed class FileDownloaderTests : IAsyncLifetime
{
    private const int TestTimeout = 30_000;
    private static readonly byte[] Content = DownloadFixtures.Bytes(300_000);

    private readonly LoopbackHttpServer server = new();
    private readonly TempDataset temp = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        temp.Dispose();
    }

    private string Destination => temp.PathOf("downloads/file.bin");

    private static FileDownloader Downloader(int maxRetries = 0, double idleSeconds = 10) => new(
        new SocketsHttpHandler { UseProxy = false },
        new FileDownloaderOptions { MaxRetries = maxRetries, RetryDelay = TimeSpan.Zero, IdleTimeout = TimeSpan.FromSeconds(idleSeconds) });

    [Theory(Timeout = TestTimeout)]
    [InlineData("sha256")]
    [InlineData("sha256-prefix")]
    [InlineData("md5")]
    public async Task DownloadsVerifiesAndRenamesThePart(string hashKind)
    {
        var url = server.Serve("/file.bin", Content);
        var hash = hashKind switch
        {
            "sha256" => FileHash.Sha256(DownloadFixtures.Sha256(Content)),
            "sha256-prefix" => FileHash.Sha256(DownloadFixtures.Sha256(Content)[..8]),
            _ => FileHash.Md5(DownloadFixtures.Md5(Content)),
        };
        using var downloader = Downloader();

        var result = await downloader.DownloadAsync(url, Destination, hash, Content.Length);

        Assert.Equal(DownloadOutcome.Downloaded, result.Outcome);
        Assert.Equal(Content, File.ReadAllBytes(Destination));
        Assert.False(File.Exists(FileDownloader.PartPath(Destination)));
        Assert.Equal(Content.Length, result.BytesTransferred);
        Assert.True(hash.Matches(result.ActualHash!));
        var request = Assert.Single(server.Requests);
        Assert.Null(request.Range);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ReportsProgressUpToTheTotal()
    {
        var url = server.Serve("/file.bin", Content);
        var reports = new List<DownloadProgress>();
        using var downloader = Downloader();

        await downloader.DownloadAsync(url, Destination, progress: new SynchronousProgress<DownloadProgress>(reports.Add));

        Assert.NotEmpty(reports);
        Assert.All(reports, report => Assert.Equal(Content.Length, report.TotalBytes));
        Assert.Equal(reports.Select(r => r.BytesDone).Order(), reports.Select(r => r.BytesDone));
        Assert.Equal(Content.Length, reports[^1].BytesDone);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AnInterruptedDownloadResumesWithARangeRequestForTheRest()
    {
        const int droppedAfter = 100_000;
        var url = server.Serve("/file.bin", Content, new ServeBehaviour { DropAfterBytes = droppedAfter });
        var hash = FileHash.Sha256(DownloadFixtures.Sha256(Content));
        using var downloader = Downloader(maxRetries: 0);

        var lost = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination, hash));
        Assert.Equal(DownloadProblem.ConnectionLost, lost.Problem);
        Assert.Equal(url, lost.Url);
        Assert.False(File.Exists(Destination));
        Assert.Equal(droppedAfter, new FileInfo(FileDownloader.PartPath(Destination)).Length);

        var result = await downloader.DownloadAsync(url, Destination, hash);

        Assert.Equal(DownloadOutcome.Resumed, result.Outcome);
        Assert.Equal(Content, File.ReadAllBytes(Destination));
        Assert.Equal(Content.Length - droppedAfter, result.BytesTransferred);
        var requests = server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal((null, 200, droppedAfter), (requests[0].Range, requests[0].Status, requests[0].BodyBytesSent));
        Assert.Equal(($"bytes={droppedAfter}-", 206, Content.Length - droppedAfter), (requests[1].Range, requests[1].Status, requests[1].BodyBytesSent));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ALostConnectionIsRetriedWithinTheCallByResuming()
    {
        var url = server.Serve("/file.bin", Content, new ServeBehaviour { DropAfterBytes = 50_000, DropTimes = 2 });
        using var downloader = Downloader(maxRetries: 2);

        var result = await downloader.DownloadAsync(url, Destination, FileHash.Sha256(DownloadFixtures.Sha256(Content)));

        Assert.Equal(DownloadOutcome.Downloaded, result.Outcome);
        Assert.Equal(Content, File.ReadAllBytes(Destination));
        Assert.Equal(Content.Length, result.BytesTransferred);
        Assert.Equal([null, "bytes=50000-", "bytes=100000-"], server.Requests.Select(r => r.Range));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AServerIgnoringTheRangeMakesTheDownloadStartOver()
    {
        var url = server.Serve("/file.bin", Content, new ServeBehaviour { IgnoreRange = true });
        File.WriteAllBytes(temp.PathOf("downloads/file.bin.part"), EnsureFolder(DownloadFixtures.Bytes(1000, seed: 99)));
        using var downloader = Downloader();

        var result = await downloader.DownloadAsync(url, Destination, FileHash.Sha256(DownloadFixtures.Sha256(Content)));

        Assert.Equal(DownloadOutcome.Downloaded, result.Outcome);
        Assert.Equal(Content, File.ReadAllBytes(Destination));
        var request = Assert.Single(server.Requests);
        Assert.Equal(("bytes=1000-", 200), (request.Range, request.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ACompletePartAnsweredWith416IsVerifiedAndKept()
    {
        var url = server.Serve("/file.bin", Content);
        File.WriteAllBytes(temp.PathOf("downloads/file.bin.part"), EnsureFolder(Content));
        using var downloader = Downloader();

        var result = await downloader.DownloadAsync(url, Destination, FileHash.Sha256(DownloadFixtures.Sha256(Content)));

        Assert.Equal(DownloadOutcome.Resumed, result.Outcome);
        Assert.Equal(0, result.BytesTransferred);
        Assert.Equal(Content, File.ReadAllBytes(Destination));
        Assert.Equal(416, Assert.Single(server.Requests).Status);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task APartLongerThanTheFileIsDiscardedAndDownloadedAgain()
    {
        var url = server.Serve("/file.bin", Content);
        File.WriteAllBytes(temp.PathOf("downloads/file.bin.part"), EnsureFolder(DownloadFixtures.Bytes(Content.Length + 10, seed: 7)));
        using var downloader = Downloader();

        await downloader.DownloadAsync(url, Destination);

        Assert.Equal(Content, File.ReadAllBytes(Destination));
        Assert.Equal([416, 200], server.Requests.Select(r => r.Status));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AHashMismatchDeletesThePartAndNamesUrlAndHashes()
    {
        var url = server.Serve("/file.bin", Content);
        string wrong = DownloadFixtures.Sha256(DownloadFixtures.Bytes(10));
        using var downloader = Downloader();

        var e = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination, FileHash.Sha256(wrong)));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Equal(url, e.Url);
        Assert.Equal(wrong, e.ExpectedHash);
        Assert.Equal(DownloadFixtures.Sha256(Content), e.ActualHash);
        Assert.Contains(url.ToString(), e.Message);
        Assert.Contains(wrong, e.Message);
        Assert.Contains(e.ActualHash!, e.Message);
        Assert.False(File.Exists(Destination));
        Assert.False(File.Exists(FileDownloader.PartPath(Destination)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ASizeMismatchIsReportedAndLeavesNoFile()
    {
        var url = server.Serve("/file.bin", Content);
        using var downloader = Downloader();

        var e = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination, expectedSize: Content.Length + 1));

        Assert.Equal(DownloadProblem.SizeMismatch, e.Problem);
        Assert.False(File.Exists(Destination));
        Assert.False(File.Exists(FileDownloader.PartPath(Destination)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task CancellationLeavesOnlyThePartWhichALaterCallResumes()
    {
        var url = server.Serve("/file.bin", Content, new ServeBehaviour { StallAfterBytes = 120_000, DropTimes = 0 });
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress<DownloadProgress>(p =>
        {
            if (p.BytesDone >= 120_000)
            {
                cancellation.Cancel();
            }
        });
        using var downloader = Downloader();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => downloader.DownloadAsync(url, Destination, progress: progress, cancellationToken: cancellation.Token));

        Assert.False(File.Exists(Destination));
        Assert.Equal(120_000, new FileInfo(FileDownloader.PartPath(Destination)).Length);

        server.Serve("/file.bin", Content);
        var result = await downloader.DownloadAsync(url, Destination, FileHash.Sha256(DownloadFixtures.Sha256(Content)));
        Assert.Equal(DownloadOutcome.Resumed, result.Outcome);
        Assert.Equal(Content, File.ReadAllBytes(Destination));
        Assert.Equal("bytes=120000-", server.Requests[^1].Range);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AStalledServerHitsTheIdleTimeoutAndThePartIsKept()
    {
        var url = server.Serve("/file.bin", Content, new ServeBehaviour { StallAfterBytes = 10_000 });
        using var downloader = Downloader(idleSeconds: 0.5);

        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination));

        Assert.Equal(DownloadProblem.Timeout, e.Problem);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(10_000, new FileInfo(FileDownloader.PartPath(Destination)).Length);
        Assert.False(File.Exists(Destination));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task TheIdleTimeoutBoundsSilenceNotTheWholeDownload()
    {
        // Chunks 0.15 s apart, ten times inside the idle timeout even on a loaded machine; the whole download takes
        // over twice the timeout, so a timeout on the whole download would fail it.
        byte[] content = DownloadFixtures.Bytes(24 * 8192);
        var url = server.Serve("/slow.bin", content, new ServeBehaviour { ChunkDelay = TimeSpan.FromMilliseconds(150) });
        using var downloader = Downloader(idleSeconds: 1.5);

        var started = DateTime.UtcNow;
        await downloader.DownloadAsync(url, Destination);

        Assert.True(DateTime.UtcNow - started > TimeSpan.FromSeconds(3), "the server should have taken over three seconds");
        Assert.Equal(content, File.ReadAllBytes(Destination));
    }

    [Theory(Timeout = TestTimeout)]
    [InlineData(404)]
    [InlineData(500)]
    public async Task HttpErrorsCarryTheStatusAndUrl(int status)
    {
        var url = status == 404 ? new Uri(server.BaseUrl, "/missing.bin") : server.Serve("/file.bin", Content, new ServeBehaviour { Status = status });
        using var downloader = Downloader(maxRetries: 3);

        var e = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination));

        Assert.Equal(DownloadProblem.HttpError, e.Problem);
        Assert.Equal((HttpStatusCode)status, e.StatusCode);
        Assert.Equal(url, e.Url);
        Assert.Contains($"HTTP {status}", e.Message);
        Assert.Contains(url.ToString(), e.Message);
        Assert.Single(server.Requests);
        Assert.False(File.Exists(Destination));
        Assert.False(File.Exists(FileDownloader.PartPath(Destination)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AnExistingVerifiedFileIsNotDownloadedAgain()
    {
        var url = server.Serve("/file.bin", Content);
        File.WriteAllBytes(Destination, EnsureFolder(Content));
        using var downloader = Downloader();

        var result = await downloader.DownloadAsync(url, Destination, FileHash.Sha256(DownloadFixtures.Sha256(Content)[..8]));

        Assert.Equal(DownloadOutcome.AlreadyPresent, result.Outcome);
        Assert.Empty(server.Requests);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task AnExistingFileWithTheWrongHashIsReportedAndLeftAlone()
    {
        var url = server.Serve("/file.bin", Content);
        byte[] other = DownloadFixtures.Bytes(500, seed: 3);
        File.WriteAllBytes(Destination, EnsureFolder(other));
        using var downloader = Downloader();

        var e = await Assert.ThrowsAsync<DownloadException>(() => downloader.DownloadAsync(url, Destination, FileHash.Sha256(DownloadFixtures.Sha256(Content))));

        Assert.Equal(DownloadProblem.HashMismatch, e.Problem);
        Assert.Contains("delete it", e.Message);
        Assert.Equal(other, File.ReadAllBytes(Destination));
        Assert.Empty(server.Requests);
    }

    private byte[] EnsureFolder(byte[] content)
    {
        Directory.CreateDirectory(temp.PathOf("downloads"));
        return content;
    }
}

/// <summary>Reports on the calling thread, so a test sees every report before the call returns.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
