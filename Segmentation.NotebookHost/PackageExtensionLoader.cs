using System.Collections.Concurrent;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace Segmentation.NotebookHost;

/// <summary>
/// Loads the notebook extensions of restored packages as the dotnet-interactive tool does: after a command that added
/// packages, each package's <c>interactive-extensions/dotnet</c> folder is searched for assemblies with
/// <see cref="IKernelExtension"/> types (loaded and given the root kernel) and for an <c>extension.dib</c> script (run).
/// The CSharp and PackageManagement packages leave this to the host.
/// </summary>
internal static class PackageExtensionLoader
{
    private const string ExtensionScript = "extension.dib";

    /// <summary>Loads extensions of every package that <paramref name="root"/>'s commands restore.</summary>
    public static void UseOn(CompositeKernel root)
    {
        var added = new ConcurrentQueue<string>();
        var seen = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        root.RegisterForDisposal(root.KernelEvents.Subscribe(new PackageObserver(package =>
        {
            if (package.PackageRoot is { } folder && seen.TryAdd(folder, true)) added.Enqueue(folder);
        })));
        root.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (added.TryDequeue(out var packageRoot))
            {
                var folder = new DirectoryInfo(Path.Combine(packageRoot, "interactive-extensions", "dotnet"));
                if (folder.Exists) await LoadAsync(folder, root, context);
            }
        });
    }

    private static async Task LoadAsync(DirectoryInfo folder, CompositeKernel root, KernelInvocationContext context)
    {
        foreach (var file in folder.GetFiles("*.dll"))
        {
            var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(file.FullName);
            var types = assembly.ExportedTypes.Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false } && typeof(IKernelExtension).IsAssignableFrom(t)).ToList();
            if (types.Count > 0) KernelInvocationContextExtensions.Display(context, $"Loading extensions from `{file.FullName}`");
            foreach (var type in types)
            {
                var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                try
                {
                    await extension.OnLoadAsync(root);
                    context.Publish(new KernelExtensionLoaded(extension, context.Command));
                }
                catch (Exception error)
                {
                    context.Fail(context.Command, new KernelExtensionLoadException(error), $"Failed to load kernel extension {type.Name} from {file.FullName}");
                }
            }
        }
        var script = new FileInfo(Path.Combine(folder.FullName, ExtensionScript));
        if (script.Exists)
        {
            KernelInvocationContextExtensions.Display(context, $"Loading extension script from `{script.FullName}`");
            await root.LoadAndRunInteractiveDocument(script, context.Command);
        }
    }

    private sealed class PackageObserver(Action<ResolvedPackageReference> onAdded) : IObserver<KernelEvent>
    {
        public void OnNext(KernelEvent value)
        {
            if (value is PackageAdded added) onAdded(added.PackageReference);
        }

        public void OnCompleted() { }

        public void OnError(Exception error) { }
    }
}
