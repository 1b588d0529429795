using System.Diagnostics;

namespace Segmentation.ML.Imaging;

/// <summary>The outcome of <see cref="DecodeThroughput.Measure"/>: single-threaded decode speed of one encoded image.</summary>
/// <param name="Format">The image's format.</param>
/// <param name="Width">Decoded width.</param>
/// <param name="Height">Decoded height.</param>
/// <param name="EncodedBytes">Size of the encoded image.</param>
/// <param name="Iterations">Timed decodes (after warm-up).</param>
/// <param name="Elapsed">Total time of the timed decodes.</param>
public sealed record DecodeThroughputResult(ImageFormat Format, int Width, int Height, long EncodedBytes, int Iterations, TimeSpan Elapsed)
{
    /// <summary>Mean time per decode.</summary>
    public double MillisecondsPerImage => Elapsed.TotalMilliseconds / Iterations;

    /// <summary>Decodes per second.</summary>
    public double ImagesPerSecond => Iterations / Elapsed.TotalSeconds;

    /// <summary>Encoded (input) megabytes (10^6 bytes) consumed per second.</summary>
    public double EncodedMegabytesPerSecond => EncodedBytes * ImagesPerSecond / 1e6;

    /// <summary>Decoded RGB (output, 3 bytes per pixel) megabytes produced per second.</summary>
    public double DecodedMegabytesPerSecond => 3.0 * Width * Height * ImagesPerSecond / 1e6;
}

/// <summary>
/// Measures how fast the library decodes a given image on the calling thread — a PNG with its own
/// <see cref="ImageDecoder"/>, a JPEG with SkiaSharp through <see cref="MLImages"/> — for the CLI's
/// benchmark command; BenchmarkDotNet suites give the rigorous numbers.
/// </summary>
public static class DecodeThroughput
{
    /// <summary>
    /// Decodes <paramref name="encoded"/> repeatedly: first for <paramref name="warmup"/> (default
    /// 0.5 s, so the JIT reaches its optimised code), then until both <paramref name="minimumIterations"/>
    /// decodes and <paramref name="minimumDuration"/> (default 1 s) have passed.
    /// </summary>
    /// <exception cref="ImageFormatException">The data does not decode.</exception>
    public static DecodeThroughputResult Measure(
        ReadOnlySpan<byte> encoded, TimeSpan? minimumDuration = null, int minimumIterations = 10, TimeSpan? warmup = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumIterations);
        ImageInfo info = ImageDecoder.Identify(encoded);
        byte[] data = encoded.ToArray();
        Func<byte[], RgbImage> decode = info.Format == ImageFormat.Png ? png => ImageDecoder.DecodeRgb(png) : jpeg => MLImages.DecodeRgb(jpeg);
        long warmupTicks = (long)((warmup ?? TimeSpan.FromSeconds(0.5)).TotalSeconds * Stopwatch.Frequency);
        long start = Stopwatch.GetTimestamp();
        do
        {
            decode(data);
        }
        while (Stopwatch.GetTimestamp() - start < warmupTicks);

        long minimumTicks = (long)((minimumDuration ?? TimeSpan.FromSeconds(1)).TotalSeconds * Stopwatch.Frequency);
        int iterations = 0;
        start = Stopwatch.GetTimestamp();
        long elapsed;
        do
        {
            decode(data);
            iterations++;
            elapsed = Stopwatch.GetTimestamp() - start;
        }
        while (iterations < minimumIterations || elapsed < minimumTicks);

        return new DecodeThroughputResult(info.Format, info.Width, info.Height, encoded.Length, iterations, Stopwatch.GetElapsedTime(start, start + elapsed));
    }

    /// <summary>
    /// A deterministic photo-like RGB PNG (smooth shading, hard-edged shapes, sensor-like noise),
    /// 480×360 by default like CamVid frames and of similar encoded size, for benchmarks that must
    /// not depend on downloaded data.
    /// </summary>
    public static byte[] CreateSamplePng(int width = 480, int height = 360) => PngEncoder.Encode(CreateSampleImage(width, height));

    /// <summary>The pixels behind <see cref="CreateSamplePng"/>.</summary>
    public static RgbImage CreateSampleImage(int width, int height)
    {
        var image = new RgbImage(width, height);
        Span<byte> pixels = image.Pixels;
        uint state = 2463534242;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                int noise = (int)(state % 9) - 4;
                double u = (double)x / width, v = (double)y / height;
                bool disc = Math.Pow(u - 0.3, 2) + Math.Pow(v - 0.6, 2) < 0.04;
                bool band = v > 0.7 && v < 0.8;
                int r = disc ? 200 : band ? 60 : (int)(90 + 120 * v + 30 * Math.Sin(9 * u));
                int g = disc ? 40 : band ? 60 : (int)(140 - 60 * v + 25 * Math.Cos(7 * v + 3 * u));
                int b = disc ? 50 : band ? 70 : (int)(200 - 150 * v);
                int i = 3 * (y * width + x);
                pixels[i] = (byte)Math.Clamp(r + noise, 0, 255);
                pixels[i + 1] = (byte)Math.Clamp(g + noise, 0, 255);
                pixels[i + 2] = (byte)Math.Clamp(b + noise, 0, 255);
            }
        }

        return image;
    }
}
