// Roles, permissions and the map between them: the core enforces it, the renderer uses it to show or hide.

export const ROLES = ['admin', 'doctor', 'nurse', 'patient'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  doctor: 'Doctor',
  nurse: 'Nurse',
  patient: 'Patient',
};

export const PERMISSIONS = [
  'portal.admin',
  'portal.clinical',
  'portal.patient',
  /** Read and edit one's own profile. */
  'profile.own',
  /** Find patients and read their profiles, medical fields included. */
  'patients.read',
  'patients.medical.update',
  /** Mark a patient's record restricted, or lift it. */
  'patients.restrict',
  /** Declare emergency access to a restricted record (break the glass), with a reason. */
  'patients.breakGlass',
  /** User administration: accounts, roles, status, sessions; medical fields stay redacted. */
  'users.manage',
  /** Security reports and the review of emergency access. */
  'audit.review',
  'settings.manage',
  'mail.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: [
    'portal.admin',
    'profile.own',
    'patients.restrict',
    'users.manage',
    'audit.review',
    'settings.manage',
    'mail.manage',
  ],
  doctor: [
    'portal.clinical',
    'profile.own',
    'patients.read',
    'patients.medical.update',
    'patients.restrict',
    'patients.breakGlass',
  ],
  nurse: [
    'portal.clinical',
    'profile.own',
    'patients.read',
    'patients.medical.update',
    'patients.restrict',
    'patients.breakGlass',
  ],
  patient: ['portal.patient', 'profile.own'],
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export const isAdmin = (role: Role): boolean => role === 'admin';
export const isDoctor = (role: Role): boolean => role === 'doctor';
export const isNurse = (role: Role): boolean => role === 'nurse';
export const isPatient = (role: Role): boolean => role === 'patient';
export const isClinicalStaff = (role: Role): boolean => role === 'doctor' || role === 'nurse';
