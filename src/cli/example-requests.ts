/**
 * For `ask`: the sentence that would do it, next to the HTTP example — `bai-agent "share the
 * folder datasets with …"` — for the operations people ask about most. Names are those of the
 * sandbox world (SANDBOX-WORLD.md), so each sentence can be tried as it is there. Every sentence
 * is checked by a test: the offline planner, given it against the sandbox, plans a call to the
 * operation it stands for (test/unit/example-requests.test.ts).
 */
export const EXAMPLE_REQUESTS: Readonly<Record<string, string>> = {
  'session.create_from_params': 'create a session with 2 fGPU and the datasets folder mounted at /home/work/data',
  'v2/sessions.my_search': 'list my sessions',
  'session.get_info': 'show the status of session train-job-1',
  'session.get_container_logs': 'show the logs of session train-job-1',
  'session.destroy': 'terminate the session notebook-old',
  'session.rename_session': 'rename the session notebook-old to notebook-new',
  'session.get_status_history': 'show the status history of session train-job-1',
  'session.start_service': 'open jupyterlab in train-job-1',
  'session.interrupt': 'interrupt the code running in notebook-old',
  'folders.create': 'create a folder called experiments',
  'folders.list_folders': 'list my folders',
  'folders.get_info': 'show the details of the folder datasets',
  'folders.delete_by_name': 'delete the folder api_helper',
  'folders.rename_vfolder': 'rename the folder api_helper to api-helper',
  'folders.invite': 'share the folder datasets with colleague@sandbox.local read-only',
  'folders.list_files': 'list the files in the datasets folder',
  'folders.mkdir': 'make a directory raw in the datasets folder',
  'folders.update_vfolder_options': 'set the folder datasets to read-only',
  'folders.invitations': 'show my folder invitations',
  'services.create': 'serve the model in the models folder with vllm',
  'services.list_serve': 'list my model services',
  'services.list_supported_runtimes': 'which model serving runtimes are supported?',
  'resource.check_presets': 'how much GPU is free right now?',
  'scaling-groups.list_available_sgroups': 'which resource groups can I use?',
  'v2/resource-policies.my_keypair_resource_policy': 'what are my resource limits?',
};

/** The sentence for an operation, when there is one. */
export function exampleRequest(operationId: string): string | undefined {
  return EXAMPLE_REQUESTS[operationId];
}
