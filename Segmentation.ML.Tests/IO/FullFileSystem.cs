using System.Diagnostics;

namespace Segmentation.ML.Tests.IO;

/// <summary>
/// A 64 KiB tmpfs mounted on a temporary folder, so that writes into it run out of space as on a full disk.
/// Mounting needs Linux and root (CI and the development machines run as root); elsewhere the tests that need it
/// are skipped with <see cref="SkipReason"/>.
/// </summary>
public sealed class FullFileSystem : IDisposable
{
    /// <summary>The size of the file system: big enough for a few small files, too small for a picture.</summary>
    public const int Bytes = 64 * 1024;

    private FullFileSystem(string folder) => Folder = folder;

    /// <summary>Why the file system cannot be mounted here, or null when it can.</summary>
    public static string? SkipReason { get; } = Probe();

    /// <summary>The mounted folder.</summary>
    public string Folder { get; }

    /// <summary>Mounts a new one.</summary>
    /// <exception cref="InvalidOperationException">mount failed (check <see cref="SkipReason"/> first).</exception>
    public static FullFileSystem Mount()
    {
        string folder = Directory.CreateTempSubdirectory("segml-full-").FullName;
        var (exit, error) = Run("mount", "-t", "tmpfs", "-o", $"size={Bytes}", "tmpfs", folder);
        if (exit != 0)
        {
            Directory.Delete(folder);
            throw new InvalidOperationException($"mount of a tmpfs on {folder} failed: {error}");
        }
        return new FullFileSystem(folder);
    }

    /// <summary>Unmounts and removes the folder.</summary>
    public void Dispose()
    {
        Run("umount", Folder);
        Directory.Delete(Folder, recursive: true);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "Needs Linux to mount a small tmpfs as a full disk.";
        if (Environment.UserName != "root") return $"Needs root to mount a small tmpfs as a full disk (running as {Environment.UserName}).";
        try
        {
            using var probe = Mount();
            return null;
        }
        catch (Exception error) when (error is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"Cannot mount a small tmpfs as a full disk: {error.Message}";
        }
    }

    private static (int Exit, string Error) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments);
        var (exit, _, error) = ChildProcess.RunAsync(start, TimeSpan.FromMinutes(1), program).GetAwaiter().GetResult();
        return (exit, error.Trim());
    }
}

/// <summary>A fact that runs only where <see cref="FullFileSystem"/> can be mounted.</summary>
public sealed class FullFileSystemFactAttribute : FactAttribute
{
    /// <summary>Sets the skip reason when mounting is impossible here.</summary>
    public FullFileSystemFactAttribute()
    {
        if (FullFileSystem.SkipReason is { } reason) Skip = reason;
    }
}
