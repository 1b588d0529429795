using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>How the server misbehaves for one resource.</summary>
internal sealed record ServeBehaviour
{
    /// <summary>Answer this status (with a short text body) instead of the content.</summary>
    public int? Status { get; init; }

    /// <summary>Close the connection after this many body bytes, for the first <see cref="DropTimes"/> requests.</summary>
    public long? DropAfterBytes { get; init; }

    public int DropTimes { get; init; } = 1;

    /// <summary>Send this many body bytes, then send nothing more until the server is disposed.</summary>
    public long? StallAfterBytes { get; init; }

    /// <summary>A pause before each 8 KiB block of the body: a slow but live server.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>Answer Range requests with 200 and the whole content.</summary>
    public bool IgnoreRange { get; init; }
}

/// <summary>What the server saw and did for one request.</summary>
internal sealed record ServedRequest(string Path, string? Range, int Status, long BodyBytesSent);

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 and a free port, serving in-memory content with Range support
/// and scripted faults (drop, stall, status, ignored Range). One request per connection.
/// Nothing here ever connects anywhere: it only accepts on the loopback address.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, (byte[] Content, ServeBehaviour Behaviour)> resources = new();
    private readonly ConcurrentDictionary<string, int> requestCounts = new();
    private readonly ConcurrentQueue<ServedRequest> requests = new();
    private readonly ConcurrentBag<Task> connections = [];
    private readonly Task acceptLoop;

    public LoopbackHttpServer()
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    public IReadOnlyList<ServedRequest> Requests => requests.ToArray();

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/> (e.g. "/models/x.pth") and returns its URL.</summary>
    public Uri Serve(string path, byte[] content, ServeBehaviour? behaviour = null)
    {
        resources[path] = (content, behaviour ?? new ServeBehaviour());
        return new Uri(BaseUrl, path);
    }

    public IReadOnlyList<ServedRequest> RequestsFor(string path) => requests.Where(request => request.Path == path).ToArray();

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        try
        {
            await acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
            await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The connections were torn down on purpose.
        }

        stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            connections.Add(Task.Run(() => HandleAsync(client)));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var (path, headers) = await ReadRequestAsync(stream, stop.Token);
                await RespondAsync(stream, path, headers);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client went away or the server is stopping.
            }
        }
    }

    private static async Task<(string Path, Dictionary<string, string> Headers)> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0 || bytes.Count > 16_384)
            {
                throw new IOException("The request ended before its headers did.");
            }

            bytes.Add(one[0]);
        }

        string[] lines = Encoding.ASCII.GetString(bytes.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        string path = lines[0].Split(' ')[1];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return (path, headers);
    }

    private async Task RespondAsync(NetworkStream stream, string path, Dictionary<string, string> headers)
    {
        string? range = headers.GetValueOrDefault("Range");
        if (!resources.TryGetValue(path, out var resource))
        {
            await SendStatusAsync(stream, path, range, 404, "Not Found");
            return;
        }

        var (content, behaviour) = resource;
        int count = requestCounts.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (behaviour.Status is int status)
        {
            await SendStatusAsync(stream, path, range, status, status == 500 ? "Internal Server Error" : "Error");
            return;
        }

        long start = 0;
        int code = 200;
        var head = new StringBuilder();
        if (range is not null && !behaviour.IgnoreRange)
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'));
            if (start >= content.Length)
            {
                await SendAsync(stream, $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{content.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                requests.Enqueue(new ServedRequest(path, range, 416, 0));
                return;
            }

            code = 206;
            head.Append($"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{content.Length - 1}/{content.Length}\r\n");
        }
        else
        {
            head.Append("HTTP/1.1 200 OK\r\n");
        }

        long length = content.Length - start;
        head.Append($"Content-Length: {length}\r\nContent-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n");
        await SendAsync(stream, head.ToString());

        long limit = length;
        if (behaviour.DropAfterBytes is long drop && count <= behaviour.DropTimes)
        {
            limit = Math.Min(limit, drop);
        }

        if (behaviour.StallAfterBytes is long stall)
        {
            limit = Math.Min(limit, stall);
        }

        long sent = 0;
        try
        {
            while (sent < limit)
            {
                if (behaviour.ChunkDelay > TimeSpan.Zero)
                {
                    await Task.Delay(behaviour.ChunkDelay, stop.Token);
                }

                int chunk = (int)Math.Min(8192, limit - sent);
                await stream.WriteAsync(content.AsMemory((int)(start + sent), chunk), stop.Token);
                sent += chunk;
            }

            await stream.FlushAsync(stop.Token);
        }
        finally
        {
            requests.Enqueue(new ServedRequest(path, range, code, sent));
        }

        if (behaviour.StallAfterBytes is not null)
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
    }

    private async Task SendStatusAsync(NetworkStream stream, string path, string? range, int status, string reason)
    {
        byte[] body = Encoding.ASCII.GetBytes($"{status} {reason}\n");
        await SendAsync(stream, $"HTTP/1.1 {status} {reason}\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(body, stop.Token);
        requests.Enqueue(new ServedRequest(path, range, status, 0));
    }

    private Task SendAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text), stop.Token).AsTask();
}
