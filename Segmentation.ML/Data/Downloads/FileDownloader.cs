using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace Segmentation.ML.Data.Downloads;

/// <summary>
/// Downloads one URL to one file, resumably and verified. Bytes go to <c>&lt;destination&gt;.part</c>;
/// an existing part is continued with a <c>Range: bytes=N-</c> request. Only a part whose size and
/// checksum check out is renamed to the destination, so a file at the destination is always complete.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A server that answers a range request with 200 is read from the first byte again; 416 means the
/// part already holds the whole file (it is then verified) or is invalid (it is then discarded).</item>
/// <item>A lost connection or an idle timeout (<see cref="FileDownloaderOptions.IdleTimeout"/>) is retried
/// <see cref="FileDownloaderOptions.MaxRetries"/> times, each retry resuming; after that the part is kept and
/// the same call later resumes it.</item>
/// <item>Cancellation stops at once and keeps the part.</item>
/// <item>A checksum mismatch deletes the part: its bytes cannot be trusted to resume from.</item>
/// <item>A destination that already exists is verified and returned without a request.</item>
/// </list>
/// Failures are <see cref="DownloadException"/>s naming the URL and, for HTTP errors, the status.
/// </remarks>
public sealed class FileDownloader : IDisposable
{
    private const int BufferSize = 1 << 16;

    private readonly HttpClient client;
    private readonly bool ownsClient;

    /// <summary>A downloader with its own <see cref="HttpClient"/>.</summary>
    public FileDownloader(FileDownloaderOptions? options = null)
        : this(new SocketsHttpHandler
        {
            ConnectTimeout = (options ?? FileDownloaderOptions.Default).IdleTimeout,
            AutomaticDecompression = DecompressionMethods.None,
        }, options, ownsHandler: true)
    {
    }

    /// <summary>A downloader sending its requests through <paramref name="handler"/>, which the caller keeps owning.</summary>
    public FileDownloader(HttpMessageHandler handler, FileDownloaderOptions? options = null)
        : this(handler, options, ownsHandler: false)
    {
    }

    /// <summary>
    /// A downloader sending its requests through <paramref name="client"/>, which the caller keeps owning.
    /// The client's own <see cref="HttpClient.Timeout"/> also applies to each request.
    /// </summary>
    public FileDownloader(HttpClient client, FileDownloaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        this.client = client;
        Options = Validate(options ?? FileDownloaderOptions.Default);
    }

    private FileDownloader(HttpMessageHandler handler, FileDownloaderOptions? options, bool ownsHandler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Options = Validate(options ?? FileDownloaderOptions.Default);
        client = new HttpClient(handler, disposeHandler: ownsHandler) { Timeout = Timeout.InfiniteTimeSpan };
        ownsClient = true;
    }

    /// <summary>The settings in force.</summary>
    public FileDownloaderOptions Options { get; }

    /// <summary>The file a download to <paramref name="destination"/> writes until it is complete and verified.</summary>
    public static string PartPath(string destination) => destination + ".part";

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/>, resuming a part left by an
    /// earlier call, and verifies the length and checksum when given.
    /// </summary>
    /// <param name="url">What to download (http or https).</param>
    /// <param name="destination">The final file; its folder is created when missing.</param>
    /// <param name="expectedHash">The checksum the file must have, or null to skip the check.</param>
    /// <param name="expectedSize">The length the file must have, or null when unknown.</param>
    /// <param name="progress">Receives the bytes on disk and the total when known, after each block.</param>
    /// <param name="cancellationToken">Stops the download; the part stays for a later resume.</param>
    /// <exception cref="DownloadException">The server answered an error status, the connection failed on every
    /// attempt, or the file's size or checksum is wrong (also for an existing destination, which is left alone).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<DownloadResult> DownloadAsync(
        Uri url,
        string destination,
        FileHash? expectedHash = null,
        long? expectedSize = null,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Only http and https URLs can be downloaded; got '{url}'.", nameof(url));
        }

        destination = Path.GetFullPath(destination);
        if (File.Exists(destination))
        {
            string? existingHash = await VerifyAsync(destination, url, expectedHash, expectedSize, isPart: false, cancellationToken).ConfigureAwait(false);
            return new DownloadResult(destination, new FileInfo(destination).Length, DownloadOutcome.AlreadyPresent, 0, existingHash);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string part = PartPath(destination);
        var received = new TransferState();
        bool hadPart = File.Exists(part) && new FileInfo(part).Length > 0;
        int retries = 0;
        while (true)
        {
            try
            {
                var status = await TransferAsync(url, part, expectedSize, progress, received, cancellationToken).ConfigureAwait(false);
                if (status == TransferStatus.Complete)
                {
                    break;
                }

                // The server's answer to the range request showed the part to be useless: the next
                // attempt, without a part, starts from the first byte.
                File.Delete(part);
                received.StartedOver = true;
            }
            catch (DownloadException e) when (e.Problem is DownloadProblem.ConnectionLost or DownloadProblem.Timeout && retries < Options.MaxRetries)
            {
                await Task.Delay(Options.RetryDelay * (1 << retries), cancellationToken).ConfigureAwait(false);
                retries++;
            }
        }

        string? actualHash = await VerifyAsync(part, url, expectedHash, expectedSize, isPart: true, cancellationToken).ConfigureAwait(false);
        File.Move(part, destination, overwrite: false);
        return new DownloadResult(destination, new FileInfo(destination).Length,
            hadPart && !received.StartedOver ? DownloadOutcome.Resumed : DownloadOutcome.Downloaded, received.Bytes, actualHash);
    }

    /// <summary>Disposes the HTTP client when this downloader created it.</summary>
    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }
    }

    private enum TransferStatus
    {
        Complete,
        PartUnusable,
    }

    /// <summary>What all attempts of one call did: body bytes received, and whether a part was thrown away.</summary>
    private sealed class TransferState
    {
        public long Bytes;
        public bool StartedOver;
    }

    /// <summary>One request: continues the part from its current length and returns when the body ended.</summary>
    private async Task<TransferStatus> TransferAsync(Uri url, string part, long? expectedSize, IProgress<DownloadProgress>? progress, TransferState received, CancellationToken cancellationToken)
    {
        long existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (expectedSize is long size && existing >= size)
        {
            // A part of the expected length needs no request; a longer one is verified and rejected.
            return TransferStatus.Complete;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd(Options.UserAgent);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using var response = await SendAsync(request, existing, cancellationToken).ConfigureAwait(false);
        long start;
        long? total;
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent when existing > 0:
                var range = response.Content.Headers.ContentRange;
                if (range?.From != existing)
                {
                    return TransferStatus.PartUnusable;
                }

                start = existing;
                total = range.Length ?? expectedSize;
                break;
            case HttpStatusCode.RequestedRangeNotSatisfiable when existing > 0:
                // The part already reaches the end of the file, or the file is shorter than the part.
                long? length = response.Content.Headers.ContentRange?.Length;
                return length is null || length == existing ? TransferStatus.Complete : TransferStatus.PartUnusable;
            case HttpStatusCode.OK:
                received.StartedOver |= existing > 0;
                start = 0;
                total = response.Content.Headers.ContentLength ?? expectedSize;
                break;
            default:
                throw HttpError(url, response.StatusCode, response.ReasonPhrase);
        }

        progress?.Report(new DownloadProgress(start, total, start));
        long done = start;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var file = new FileStream(part, start > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, useAsync: true);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                idle.CancelAfter(Options.IdleTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new DownloadException(DownloadProblem.Timeout,
                        $"No data from {url} for {Options.IdleTimeout.TotalSeconds:0.#} s after {done:N0} of {Describe(total)} bytes; run again to resume from {part}.",
                        url, part);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new DownloadException(DownloadProblem.ConnectionLost,
                        $"The connection to {url} was lost after {done:N0} of {Describe(total)} bytes ({e.Message}); run again to resume from {part}.",
                        url, part, e);
                }

                if (read == 0)
                {
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                done += read;
                received.Bytes += read;
                progress?.Report(new DownloadProgress(done, total, start));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (total is long expected && done < expected)
        {
            throw new DownloadException(DownloadProblem.ConnectionLost,
                $"The response from {url} ended after {done:N0} of {expected:N0} bytes; run again to resume from {part}.", url, part);
        }

        return TransferStatus.Complete;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, long existing, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(Options.IdleTimeout);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DownloadException(DownloadProblem.Timeout,
                $"{url} sent no response within {Options.IdleTimeout.TotalSeconds:0.#} s{(existing > 0 ? $" (resuming from byte {existing:N0})" : "")}.", url, innerException: e);
        }
        catch (HttpRequestException e)
        {
            throw new DownloadException(DownloadProblem.ConnectionLost, $"Could not reach {url}: {e.Message}", url, innerException: e);
        }
    }

    /// <summary>
    /// Checks a finished part or an existing destination against the expected size and checksum.
    /// A failing part is deleted; a failing destination is left for the user to inspect.
    /// </summary>
    private static async Task<string?> VerifyAsync(string path, Uri url, FileHash? expectedHash, long? expectedSize, bool isPart, CancellationToken cancellationToken)
    {
        string what = isPart ? $"The download of {url}" : $"The existing file {path}";
        string remedy = isPart ? "the partial file was deleted; run again to download afresh, or check the URL." : "delete it and run again to download a fresh copy.";
        long length = new FileInfo(path).Length;
        if (expectedSize is long size && length != size)
        {
            if (isPart)
            {
                File.Delete(path);
            }

            throw new DownloadException(DownloadProblem.SizeMismatch,
                $"{what} has {length:N0} bytes; expected {size:N0}: {remedy}", url, path);
        }

        if (expectedHash is null)
        {
            return null;
        }

        string actual = await expectedHash.ComputeAsync(path, cancellationToken).ConfigureAwait(false);
        if (!expectedHash.Matches(actual))
        {
            if (isPart)
            {
                File.Delete(path);
            }

            throw new DownloadException(DownloadProblem.HashMismatch,
                $"{what} has {expectedHash.AlgorithmName} {actual}; expected {(expectedHash.IsPrefix ? "a digest starting with " : "")}{expectedHash.Hex}: {remedy}", url, path)
            {
                ExpectedHash = expectedHash.Hex,
                ActualHash = actual,
            };
        }

        return actual;
    }

    private static FileDownloaderOptions Validate(FileDownloaderOptions options)
    {
        if (options.IdleTimeout <= TimeSpan.Zero && options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"IdleTimeout must be positive or infinite; got {options.IdleTimeout}.");
        }

        if (options.MaxRetries < 0 || options.RetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxRetries and RetryDelay must not be negative; got {options.MaxRetries} and {options.RetryDelay}.");
        }

        return options;
    }

    private static DownloadException HttpError(Uri url, HttpStatusCode status, string? reason) =>
        new(DownloadProblem.HttpError,
            $"{url} answered HTTP {(int)status} {reason ?? status.ToString()}{((int)status == 404 ? ": check the URL or mirror" : "")}.", url)
        {
            StatusCode = status,
        };

    private static string Describe(long? total) => total is long t ? t.ToString("N0") : "an unknown number of";
}
